// Feeds by name (issue 13): TF's string feed_dict keys, "x:0", resolved in the
// session's graph and checked at run time with TF's messages.
#include "session_test.hpp"

#include <sessionlib/ops/control.hpp>
#include <sessionlib/ops/split.hpp>
#include <sessionlib/session/into.hpp>

using sl::shape;

TEST_CASE("a feed keyed by name feeds that tensor; mixed with tensor keys; in a feed_dict") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<sl::dyn, 2>>(g, "x");
  auto b = sl::placeholder<float, shape<2>>(g, "b");
  auto y = x + b;
  sl::Session sess(g);
  const xt::xtensor<float, 2> xv = {{1, 2}, {3, 4}};
  const xt::xtensor<float, 1> bv = {10, 20};
  CHECK(sess.run(y, {{"x:0", xv}, {"b:0", bv}}) == xt::xtensor<float, 2>{{11, 22}, {13, 24}});
  CHECK(sess.run(y, {{"x:0", xv}, {b, bv}}) == xt::xtensor<float, 2>{{11, 22}, {13, 24}});
  sl::feed_dict fd;
  fd.emplace_back(std::string("x:0"), xv);
  fd.emplace_back(b, bv);
  CHECK(sess.run(y, fd) == xt::xtensor<float, 2>{{11, 22}, {13, 24}});
  // A temporary array is kept alive by its entry, as with tensor keys.
  CHECK(sess.run(y, {{"x:0", xt::xtensor<float, 2>{{0, 0}}}, {"b:0", bv}}) == xt::xtensor<float, 2>{{10, 20}});
}

TEST_CASE("numbers fed by name convert to the tensor's dtype when exact, as TF converts Python numbers") {
  sl::Graph g;
  auto p = sl::placeholder<float, shape<>>(g, "p");
  auto i = sl::placeholder<std::int32_t, shape<>>(g, "i");
  auto y = p * 2.0f;
  auto z = i + 1;
  sl::Session sess(g);
  CHECK(sess.run(y, {{"p:0", 3}}) == 6.0f);      // int -> float32
  CHECK(sess.run(y, {{"p:0", 2.5}}) == 5.0f);    // double 2.5 is exact in float32
  CHECK(sess.run(z, {{"i:0", std::int64_t{41}}}) == 42);
  CHECK_THROWS_WITH_AS(sess.run(z, {{"i:0", 2.5}}),
                       "Cannot feed value of dtype float64 for Tensor 'i:0', which has dtype int32", sl::invalid_argument);
  CHECK_THROWS_WITH_AS(sess.run(y, {{"p:0", 0.1}}),  // 0.1 is not exact in float32
                       "Cannot feed value of dtype float64 for Tensor 'p:0', which has dtype float32",
                       sl::invalid_argument);
  CHECK(sess.run(y, {{"p:0", 0.1f}}) == 0.2f);
}

TEST_CASE("feeds by name are checked when run, with TF's messages; the session stays usable") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<sl::dyn, 2>>(g, "x");
  auto y = x * 2.0f;
  auto init = sl::no_op(g, "init");
  sl::Session sess(g);
  const xt::xtensor<float, 2> good = {{1, 2}};
  CHECK_THROWS_WITH_AS(sess.run(y, {{"x:0", xt::xtensor<float, 2>{{1, 2, 3}}}}),
                       "Cannot feed value of shape (1, 3) for Tensor 'x:0', which has shape (?, 2)", sl::invalid_argument);
  CHECK_THROWS_WITH_AS(sess.run(y, {{"x:0", xt::xtensor<double, 2>{{1, 2}}}}),
                       "Cannot feed value of dtype float64 for Tensor 'x:0', which has dtype float32", sl::invalid_argument);
  CHECK_THROWS_WITH_AS(sess.run(y, {{"nope:0", good}}),
                       "The name 'nope:0' refers to a Tensor which does not exist. The operation, 'nope', does not exist "
                       "in the graph.",
                       sl::not_found);
  CHECK_THROWS_WITH_AS(sess.run(y, {{"x:1", good}}),
                       "The name 'x:1' refers to a Tensor which does not exist. The operation, 'x', exists but only has "
                       "1 outputs.",
                       sl::not_found);
  CHECK_THROWS_WITH_AS(sess.run(y, {{"init:0", good}}),
                       "The name 'init:0' refers to a Tensor which does not exist. The operation, 'init', exists but "
                       "only has 0 outputs.",
                       sl::not_found);
  CHECK_THROWS_WITH_AS(sess.run(y, {{"x", good}}),
                       "Cannot interpret feed_dict key as Tensor: The name 'x' refers to an Operation, not a Tensor. "
                       "Tensor names must be of the form \"<op_name>:<output_index>\".",
                       sl::invalid_argument);
  CHECK_THROWS_WITH_AS(sess.run(y, {{"x:0", good}, {x, good}}), "Tensor 'x:0' is fed more than once",
                       sl::invalid_argument);
  CHECK(sess.run(y, {{"x:0", good}}) == xt::xtensor<float, 2>{{2, 4}});
  (void)init;
}

TEST_CASE("an output past the first, partial runs and eval take feeds by name") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<4>>(g, "x");
  auto [a, b] = sl::split<2>(x);
  auto y = a * 10.0f + b;
  sl::Session sess(g);
  CHECK(sess.run(y, {{"x:0", xt::xtensor<float, 1>{1, 2, 3, 4}}, {"split:1", xt::xtensor<float, 1>{0, 0}}}) ==
        xt::xtensor<float, 1>{10, 20});

  auto h = sess.partial_run_setup(y, sl::feed_list(x));
  CHECK(sess.partial_run(h, y, {{"x:0", xt::xtensor<float, 1>{1, 2, 3, 4}}}) == xt::xtensor<float, 1>{13, 24});

  auto guard = sess.as_default();
  CHECK(y.eval({{"x:0", xt::xtensor<float, 1>{0, 1, 0, 1}}}) == xt::xtensor<float, 1>{0, 11});
}

TEST_CASE("a fed array of rank above sessionlib's maximum (8) is invalid_argument, not an overrun") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<sl::dyn>>(g, "x");
  sl::Session sess(g);
  xt::xarray<float> nine = xt::zeros<float>({1, 1, 1, 1, 1, 1, 1, 1, 2});
  CHECK_THROWS_WITH_AS(sess.run(x * 2.0f, {{"x:0", nine}}), "A tensor of rank 9 exceeds sessionlib's maximum rank of 8",
                       sl::invalid_argument);
  const std::vector<int> twelve(12, 1);
  CHECK_THROWS_WITH_AS(sl::dims(twelve.begin(), twelve.end()),
                       "A tensor of rank 12 exceeds sessionlib's maximum rank of 8", sl::invalid_argument);
  CHECK(sess.run(x * 2.0f, {{"x:0", xt::xtensor<float, 1>{1}}}) == xt::xtensor<float, 1>{2});
}

TEST_CASE("make_callable and partial_run_setup take fed tensors by name, their types stated by the caller") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<sl::dyn, 2>>(g, "x");
  auto k = sl::placeholder<std::int32_t, shape<>>(g, "k");
  auto y = x * 2.0f;
  sl::Session sess(g);
  using X = sl::Tensor<float, shape<sl::dyn, 2>>;
  using K = sl::Tensor<std::int32_t, shape<>>;
  // The parameters follow from the stated types: const xt::xtensor<float, 2>&, then std::int32_t.
  auto f = sess.make_callable(std::tuple{y, k + 1}, sl::feed_list<X, K>("x:0", "k:0"));
  static_assert(std::is_convertible_v<decltype(f),
                                      std::function<std::tuple<xt::xtensor<float, 2>, std::int32_t>(
                                          const xt::xtensor<float, 2>&, std::int32_t)>>);
  const auto [yv, kv] = f(xt::xtensor<float, 2>{{1, 2}}, 41);
  CHECK(yv == xt::xtensor<float, 2>{{2, 4}});
  CHECK(kv == 42);
  xt::xtensor<float, 2> out;
  auto write = sess.make_callable(y, sl::feed_list<X>(std::string("x:0")), sl::into);
  write(out, xt::xtensor<float, 2>{{3, 4}});
  CHECK(out == xt::xtensor<float, 2>{{6, 8}});
  auto h = sess.partial_run_setup(y, sl::feed_list<X>("x:0"));
  CHECK(sess.partial_run(h, y, {{x, xt::xtensor<float, 2>{{5, 6}}}}) == xt::xtensor<float, 2>{{10, 12}});
  // A stated type that is not the tensor's, or a name that is not a tensor, fails when the callable is made.
  CHECK_THROWS_WITH_AS(sess.make_callable(y, sl::feed_list<sl::Tensor<double, shape<sl::dyn, 2>>>("x:0")),
                       "Tensor 'x:0' has dtype float32 and shape (?, 2), not dtype float64 and shape (?, 2)",
                       sl::invalid_argument);
  CHECK_THROWS_WITH_AS(sess.make_callable(y, sl::feed_list<sl::Tensor<float, shape<3, 2>>>("x:0")),
                       "Tensor 'x:0' has dtype float32 and shape (?, 2), not dtype float32 and shape (3, 2)",
                       sl::invalid_argument);
  CHECK_THROWS_AS(sess.make_callable(y, sl::feed_list<X>("nope:0")), sl::not_found);
  CHECK(f(xt::xtensor<float, 2>{{0, 1}}, 0) == std::tuple{xt::xtensor<float, 2>{{0, 2}}, 1});
}
