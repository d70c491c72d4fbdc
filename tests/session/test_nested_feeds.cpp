// Nested feed keys (issue 13): TF's tuple feed keys. A key that is a std::tuple,
// std::pair or aggregate of keys takes a value of the same structure; one entry
// feeds every tensor of the key, each checked as its own entry would be.
#include "session_test.hpp"

#include <sessionlib/core/sparse_value.hpp>
#include <sessionlib/ops/sparse.hpp>

using sl::shape;

namespace {
template <class A, class B> struct Pair2 { A first_; B second_; };
template <class A, class B> Pair2(A, B) -> Pair2<A, B>;
struct Inputs {
  sl::Tensor<float, shape<2>> x;
  sl::Tensor<std::int32_t, shape<>> n;
};
struct Values {
  xt::xtensor<float, 1> x;
  std::int32_t n;
};
}  // namespace

TEST_CASE("a tuple key takes a tuple value; nested tuples and pairs") {
  sl::Graph g;
  auto a = sl::placeholder<float, shape<2>>(g, "a");
  auto b = sl::placeholder<float, shape<>>(g, "b");
  auto c = sl::placeholder<std::int32_t, shape<>>(g, "c");
  auto y = a * b;
  sl::Session sess(g);
  const xt::xtensor<float, 1> av = {1, 2};
  CHECK(sess.run(y, {{std::tuple{a, b}, std::tuple{av, 3.f}}}) == xt::xtensor<float, 1>{3, 6});
  CHECK(sess.run(y, {{std::pair{b, a}, std::pair{2.f, av}}}) == xt::xtensor<float, 1>{2, 4});
  auto [yv, cv] = sess.run(std::tuple{y, c + 1},
                           {{std::tuple{a, std::pair{b, c}}, std::tuple{av, std::pair{0.5f, std::int32_t{41}}}}});
  CHECK(yv == xt::xtensor<float, 1>{0.5f, 1});
  CHECK(cv == 42);
  // Mixed with ordinary entries, and with names inside the key.
  CHECK(sess.run(y, {{std::tuple{a}, std::tuple{av}}, {b, 4.f}}) == xt::xtensor<float, 1>{4, 8});
  CHECK(sess.run(y, {{std::tuple{"a:0", b}, std::tuple{av, 5.f}}}) == xt::xtensor<float, 1>{5, 10});
  // std::tie: a tuple of references to the caller's arrays, read in place.
  float bv = 6.f;
  CHECK(sess.run(y, {{std::tuple{a, b}, std::tie(av, bv)}}) == xt::xtensor<float, 1>{6, 12});
  // The empty key feeds nothing.
  CHECK(sess.run(b * 2.f, {{std::tuple<>{}, std::tuple<>{}}, {b, 1.f}}) == 2.f);
}

TEST_CASE("aggregate keys and values") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<2>>(g, "x");
  auto n = sl::placeholder<std::int32_t, shape<>>(g, "n");
  auto y = x * 2.f;
  auto m = n * 3;
  sl::Session sess(g);
  const Inputs in{x, n};
  auto [yv, mv] = sess.run(std::tuple{y, m}, {{in, Values{{1, 2}, 5}}});
  CHECK(yv == xt::xtensor<float, 1>{2, 4});
  CHECK(mv == 15);
  // An aggregate key with a tuple value, a tuple key with an aggregate value.
  CHECK(sess.run(m, {{in, std::tuple{xt::xtensor<float, 1>{0, 0}, std::int32_t{2}}}}) == 6);
  CHECK(sess.run(y, {{std::tuple{x, n}, Pair2{xt::xtensor<float, 1>{4, 5}, std::int32_t{0}}}}) ==
        xt::xtensor<float, 1>{8, 10});
}

TEST_CASE("a temporary structure is kept alive by a feed_dict entry; eval and partial runs take nested keys") {
  sl::Graph g;
  auto a = sl::placeholder<float, shape<sl::dyn>>(g, "a");
  auto b = sl::placeholder<float, shape<>>(g, "b");
  auto y = a + b;
  sl::Session sess(g);
  sl::feed_dict fd;
  fd.emplace_back(std::tuple{a, b}, std::tuple{xt::xtensor<float, 1>{1, 2, 3}, 10.f});
  CHECK(sess.run(y, fd) == xt::xtensor<float, 1>{11, 12, 13});
  {
    auto scope = sess.as_default();
    CHECK(y.eval({{std::tuple{a, b}, std::tuple{xt::xtensor<float, 1>{1}, 1.f}}}) == xt::xtensor<float, 1>{2});
  }
  auto y2 = y * 2.f;
  auto h = sess.partial_run_setup(std::tuple{y, y2}, sl::feed_list(a, b));
  CHECK(sess.partial_run(h, y, {{std::tuple{a, b}, std::tuple{xt::xtensor<float, 1>{1, 2}, 1.f}}}) ==
        xt::xtensor<float, 1>{2, 3});
  CHECK(sess.partial_run(h, y2) == xt::xtensor<float, 1>{4, 6});
}

TEST_CASE("a sparse tensor inside a nested key") {
  sl::Graph g;
  auto sp = sl::sparse_placeholder<float, shape<sl::dyn, 3>>(g, "sp");
  auto s = sl::placeholder<float, shape<>>(g, "s");
  auto dense = sl::sparse_tensor_to_dense(sp, 0.f);
  sl::Session sess(g);
  sl::SparseTensorValue<float, 2> sv{{{0, 1}, {1, 2}}, {5.f, 6.f}, {2, 3}};
  auto [d, sc] = sess.run(std::tuple{dense, s * 2.f}, {{std::tuple{sp, s}, std::tuple{sv, 4.f}}});
  CHECK(d == xt::xtensor<float, 2>{{0, 5, 0}, {0, 0, 6}});
  CHECK(sc == 8.f);
}

TEST_CASE("each part is checked as its own entry, with TF's messages") {
  sl::Graph g;
  auto a = sl::placeholder<float, shape<sl::dyn, 2>>(g, "a");
  auto b = sl::placeholder<float, shape<>>(g, "b");
  auto y = sl::placeholder<float, shape<>>(g, "unused") + b;
  sl::Session sess(g);
  const xt::xtensor<float, 2> wrong = {{1, 2, 3}};
  CHECK_THROWS_WITH_AS(sess.run(a, {{std::tuple{a, b}, std::tuple{wrong, 1.f}}}),
                       "Cannot feed value of shape (1, 3) for Tensor 'a:0', which has shape (?, 2)",
                       sl::invalid_argument);
  CHECK_THROWS_WITH_AS(sess.run(b, {{std::tuple{a, b}, std::tuple{xt::xtensor<float, 2>{{1, 2}}, 1.f}}, {b, 2.f}}),
                       "Tensor 'b:0' is fed more than once", sl::invalid_argument);
  CHECK_THROWS_WITH_AS(sess.run(b, {{std::tuple{a, "b:1"}, std::tuple{xt::xtensor<float, 2>{{1, 2}}, 1.f}}}),
                       "The name 'b:1' refers to a Tensor which does not exist. The operation, 'b', exists but only "
                       "has 1 outputs.",
                       sl::not_found);
  CHECK_THROWS_WITH_AS(sess.run(y, {{std::tuple{b}, std::tuple{1.f}}}),
                       "You must feed a value for placeholder tensor 'unused' with dtype float and shape ()",
                       sl::invalid_argument);
}
