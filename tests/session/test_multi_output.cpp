// Nodes with several outputs (issue 12): split, unstack, stack, top_k and
// moments; "name:k" lookup; fetches, feeds, partial runs and callables per
// output; gradients through each output. Expected values are worked by hand
// (numpy gives the same: np.split, np.sort, x.mean(axis), x.var(axis)).
#include "session_test.hpp"

#include <sessionlib/ops/split.hpp>
#include <sessionlib/train/gradients.hpp>

using sl::shape;

TEST_CASE("split: one node, N outputs named name:k, each fetched, looked up and typed") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<2, 4>>(g, "x");
  auto parts = sl::split<2, 1>(x, "halves");
  static_assert(std::is_same_v<decltype(parts), std::array<sl::Tensor<float, shape<2, 2>>, 2>>);
  CHECK(parts[0].id().node == parts[1].id().node);
  CHECK(parts[0].name() == "halves:0");
  CHECK(parts[1].name() == "halves:1");
  CHECK(parts[1].value_index() == 1);
  CHECK(g.at(parts[0].id()).op == "Split");
  CHECK(g.at(parts[0].id()).num_outputs() == 2);

  sl::Session sess(g);
  const xt::xtensor<float, 2> xv = {{1, 2, 3, 4}, {5, 6, 7, 8}};
  auto [a, b] = sess.run(std::tuple{parts[0], parts[1]}, {{x, xv}});
  CHECK(a == xt::xtensor<float, 2>{{1, 2}, {5, 6}});
  CHECK(b == xt::xtensor<float, 2>{{3, 4}, {7, 8}});
  // Consumers read the right output.
  CHECK(sess.run(parts[1] - parts[0], {{x, xv}}) == xt::xtensor<float, 2>{{2, 2}, {2, 2}});
  // By name and by typed lookup.
  const sl::any_array by_name = sess.run(std::string("halves:1"), {{x, xv}});
  CHECK(by_name.dtype() == sl::dtype::float32);
  CHECK(by_name.shape() == sl::dims{2, 2});
  CHECK(by_name.data<float>()[0] == 3.0f);
  auto looked = g.tensor<float, shape<2, 2>>("halves:1");
  CHECK(looked == parts[1]);
  CHECK(g.find("halves:2") == std::nullopt);
  auto lookup_2x2 = [&](const char* name) { return g.tensor<float, shape<2, 2>>(name); };
  auto lookup_2x4 = [&](const char* name) { return g.tensor<float, shape<2, 4>>(name); };
  CHECK_THROWS_AS(lookup_2x2("halves:2"), sl::not_found);
  CHECK_THROWS_WITH_AS(lookup_2x4("halves:1"),
                       "Tensor 'halves:1' has dtype float32 and shape (2, 2), not dtype float32 and shape (2, 4)",
                       sl::invalid_argument);
}

TEST_CASE("split of a dyn axis is checked at run time with TF's message, and the session stays usable") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<sl::dyn>>(g, "x");
  auto [a, b, c] = sl::split<3>(x);
  sl::Session sess(g);
  CHECK_THROWS_WITH_AS(sess.run(a, {{x, xt::xtensor<float, 1>{1, 2, 3, 4}}}),
                       doctest::Contains("Number of ways to split should evenly divide the split dimension, but got "
                                         "split_dim 0 (size = 4) and num_split 3"),
                       sl::invalid_argument);
  CHECK(sess.run(c, {{x, xt::xtensor<float, 1>{1, 2, 3}}}) == xt::xtensor<float, 1>{3});
  (void)b;
}

TEST_CASE("feeding one output of a multi-output node: its consumers read the feed, the node runs for the others") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<4>>(g, "x");
  auto [a, b] = sl::split<2>(x);
  auto y = a * 10.0f + b;
  sl::Session sess(g);
  const xt::xtensor<float, 1> xv = {1, 2, 3, 4};
  CHECK(sess.run(y, {{x, xv}}) == xt::xtensor<float, 1>{13, 24});
  // b fed: a still comes from x.
  CHECK(sess.run(y, {{x, xv}, {b, xt::xtensor<float, 1>{100, 200}}}) == xt::xtensor<float, 1>{110, 220});
  // Every output the run needs is fed: the split (and x) are not needed.
  CHECK(sess.run(y, {{a, xt::xtensor<float, 1>{1, 1}}, {b, xt::xtensor<float, 1>{5, 6}}}) ==
        xt::xtensor<float, 1>{15, 16});
  // Fetching a fed output returns the fed value.
  CHECK(sess.run(b, {{b, xt::xtensor<float, 1>{7, 8}}}) == xt::xtensor<float, 1>{7, 8});
  // A fed value is checked against that output's own shape.
  CHECK_THROWS_WITH_AS(sess.run(y, {{x, xv}, {b, xt::xtensor<float, 1>{1, 2, 3}}}),
                       "Cannot feed value of shape (3,) for Tensor 'split:1', which has shape (2,)", sl::invalid_argument);
}

TEST_CASE("unstack and stack: slices as outputs, and back") {
  sl::Graph g;
  auto m = sl::placeholder<double, shape<3, 2>>(g, "m");
  auto rows = sl::unstack(m);
  static_assert(std::is_same_v<decltype(rows), std::array<sl::Tensor<double, shape<2>>, 3>>);
  auto cols = sl::unstack<1>(m);
  static_assert(std::is_same_v<decltype(cols), std::array<sl::Tensor<double, shape<3>>, 2>>);
  auto back = sl::stack<1>(cols[0], cols[1]);
  static_assert(std::is_same_v<decltype(back), sl::Tensor<double, shape<3, 2>>>);
  sl::Session sess(g);
  const xt::xtensor<double, 2> mv = {{1, 2}, {3, 4}, {5, 6}};
  auto [r0, r2, c1, same] = sess.run(std::tuple{rows[0], rows[2], cols[1], back}, {{m, mv}});
  CHECK(r0 == xt::xtensor<double, 1>{1, 2});
  CHECK(r2 == xt::xtensor<double, 1>{5, 6});
  CHECK(c1 == xt::xtensor<double, 1>{2, 4, 6});
  CHECK(same == mv);
}

TEST_CASE("top_k: the k largest per row, largest first, ties in index order, int32 indices") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<sl::dyn, 5>>(g, "x");
  auto [values, indices] = sl::nn::top_k<3>(x);
  static_assert(std::is_same_v<decltype(values), sl::Tensor<float, shape<sl::dyn, 3>>>);
  static_assert(std::is_same_v<decltype(indices), sl::Tensor<std::int32_t, shape<sl::dyn, 3>>>);
  CHECK(values.name() == "TopKV2:0");
  CHECK(sl::split<2>(sl::placeholder<float, shape<4>>(g))[1].name() == "split:1");
  CHECK(sl::unstack(sl::placeholder<float, shape<3>>(g))[2].name() == "unstack:2");
  CHECK(indices.name() == "TopKV2:1");
  sl::Session sess(g);
  const xt::xtensor<float, 2> xv = {{1, 5, 3, 5, 2}, {-1, -2, -3, -4, -5}};
  auto [v, i] = sess.run(std::tuple{values, indices}, {{x, xv}});
  CHECK(v == xt::xtensor<float, 2>{{5, 5, 3}, {-1, -2, -3}});
  CHECK(i == xt::xtensor<std::int32_t, 2>{{1, 3, 2}, {0, 1, 2}});
}

TEST_CASE("unique: values in order of first appearance (a dyn length) and each element's position") {
  sl::Graph g;
  auto x = sl::placeholder<std::int64_t, shape<sl::dyn>>(g, "x");
  auto [y, idx] = sl::unique(x);
  static_assert(std::is_same_v<decltype(y), sl::Tensor<std::int64_t, shape<sl::dyn>>>);
  static_assert(std::is_same_v<decltype(idx), sl::Tensor<std::int32_t, shape<sl::dyn>>>);
  sl::Session sess(g);
  // TF's documented example: [1, 1, 2, 4, 4, 4, 7, 8, 8] -> [1, 2, 4, 7, 8], [0, 0, 1, 2, 2, 2, 3, 4, 4].
  auto [yv, iv] = sess.run(std::tuple{y, idx}, {{x, xt::xtensor<std::int64_t, 1>{1, 1, 2, 4, 4, 4, 7, 8, 8}}});
  CHECK(yv == xt::xtensor<std::int64_t, 1>{1, 2, 4, 7, 8});
  CHECK(iv == xt::xtensor<std::int32_t, 1>{0, 0, 1, 2, 2, 2, 3, 4, 4});
  // The same session with another length: the plan's buffers follow.
  auto [y2, i2] = sess.run(std::tuple{y, idx}, {{x, xt::xtensor<std::int64_t, 1>{5, 3, 5}}});
  CHECK(y2 == xt::xtensor<std::int64_t, 1>{5, 3});
  CHECK(i2 == xt::xtensor<std::int32_t, 1>{0, 1, 0});
}

TEST_CASE("moments: mean and population variance in one node; keepdims") {
  sl::Graph g;
  auto x = sl::placeholder<double, shape<2, 4>>(g, "x");
  auto [mean, variance] = sl::nn::moments<1>(x);
  static_assert(std::is_same_v<decltype(mean), sl::Tensor<double, shape<2>>>);
  auto [mk, vk] = sl::nn::moments<0>(x, sl::keepdims);
  static_assert(std::is_same_v<decltype(vk), sl::Tensor<double, shape<1, 4>>>);
  sl::Session sess(g);
  const xt::xtensor<double, 2> xv = {{1, 2, 3, 4}, {2, 2, 2, 10}};
  auto [m, v, m0, v0] = sess.run(std::tuple{mean, variance, mk, vk}, {{x, xv}});
  CHECK(m == xt::xtensor<double, 1>{2.5, 4.0});
  CHECK(v == xt::xtensor<double, 1>{1.25, 12.0});  // np.var([2, 2, 2, 10]) = 12
  CHECK(m0 == xt::xtensor<double, 2>{{1.5, 2, 2.5, 7}});
  CHECK(v0 == xt::xtensor<double, 2>{{0.25, 0, 0.25, 9}});
}

TEST_CASE("gradients flow per output: split, unstack, stack, top_k, moments") {
  sl::Graph g;
  auto x = sl::placeholder<double, shape<2, 4>>(g, "x");
  const xt::xtensor<double, 2> xv = {{1, 2, 3, 4}, {2, 2, 2, 10}};
  sl::Session sess(g);

  SUBCASE("split: each part's gradient in its place; an unused part gets zeros") {
    auto [a, b] = sl::split<2, 1>(x);
    auto d = sl::gradients(sl::reduce_sum(a * 2.0 + b * 3.0), x);
    CHECK(sess.run(d, {{x, xv}}) == xt::xtensor<double, 2>{{2, 2, 3, 3}, {2, 2, 3, 3}});
    auto d_only_b = sl::gradients(sl::reduce_sum(b * b), x);
    CHECK(sess.run(d_only_b, {{x, xv}}) == xt::xtensor<double, 2>{{0, 0, 6, 8}, {0, 0, 4, 20}});
  }
  SUBCASE("unstack and stack") {
    auto rows = sl::unstack(x);
    auto d = sl::gradients(sl::reduce_sum(rows[1] * rows[1]), x);
    CHECK(sess.run(d, {{x, xv}}) == xt::xtensor<double, 2>{{0, 0, 0, 0}, {4, 4, 4, 20}});
    auto s = sl::stack(rows[1], rows[0]);
    auto ds = sl::gradients(sl::reduce_sum(s * sl::constant(g, xt::xtensor<double, 2>{{1, 2, 3, 4}, {5, 6, 7, 8}})), x);
    CHECK(sess.run(ds, {{x, xv}}) == xt::xtensor<double, 2>{{5, 6, 7, 8}, {1, 2, 3, 4}});
  }
  SUBCASE("top_k: the values' gradient at the chosen positions") {
    auto [values, indices] = sl::nn::top_k<2>(x);
    auto d = sl::gradients(sl::reduce_sum(values * sl::constant(g, xt::xtensor<double, 1>{10, 1})), x);
    // Row 0: 4 then 3; row 1: 10 then the first 2.
    CHECK(sess.run(d, {{x, xv}}) == xt::xtensor<double, 2>{{0, 0, 1, 10}, {1, 0, 0, 10}});
    (void)indices;
  }
  SUBCASE("moments: 1/n from the mean, 2 (x - mean) / n from the variance") {
    auto [mean, variance] = sl::nn::moments<1>(x);
    auto dm = sl::gradients(sl::reduce_sum(mean), x);
    CHECK(sess.run(dm, {{x, xv}}) == xt::xtensor<double, 2>{{0.25, 0.25, 0.25, 0.25}, {0.25, 0.25, 0.25, 0.25}});
    auto dv = sl::gradients(sl::reduce_sum(variance), x);
    // Row 0: mean 2.5, 2 (x - 2.5) / 4; row 1: mean 4, 2 (x - 4) / 4.
    CHECK(sess.run(dv, {{x, xv}}) == xt::xtensor<double, 2>{{-0.75, -0.25, 0.25, 0.75}, {-1, -1, -1, 3}});
    auto both = sl::gradients(std::tuple{mean, variance}, x);
    CHECK(sess.run(both, {{x, xv}}) ==
          xt::xtensor<double, 2>{{-0.5, 0.0, 0.5, 1.0}, {-0.75, -0.75, -0.75, 3.25}});
  }
}

TEST_CASE("partial runs and callables work per output") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<4>>(g, "x");
  auto [a, b] = sl::split<2>(x);
  auto y = a + b;
  sl::Session sess(g);
  const xt::xtensor<float, 1> xv = {1, 2, 3, 4};

  auto h = sess.partial_run_setup(std::tuple{a, b, y}, sl::feed_list(x));
  CHECK(sess.partial_run(h, a, {{x, xv}}) == xt::xtensor<float, 1>{1, 2});
  CHECK(sess.partial_run(h, b) == xt::xtensor<float, 1>{3, 4});
  CHECK(sess.partial_run(h, y) == xt::xtensor<float, 1>{4, 6});
  CHECK_THROWS_WITH_AS(sess.partial_run(h, b), "The fetch split:1 has already been fetched.", sl::invalid_argument);

  // A callable fed with output 1 of the split.
  auto f = sess.make_callable(y, sl::feed_list(x, b));
  CHECK(f(xv, xt::xtensor<float, 1>{10, 20}) == xt::xtensor<float, 1>{11, 22});
}
