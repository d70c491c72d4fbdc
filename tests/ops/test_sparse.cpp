// The sparse ops (issue 13) against values TF documents and numpy computes
// (np.zeros(shape); a[tuple(idx.T)] = vals gives the dense form), and against
// the dense path on pseudo-random inputs. TF's messages for bad inputs.
#include <doctest/doctest.h>

#include <sessionlib/sessionlib.hpp>

namespace sl = sessionlib;
using sl::shape;
using I2 = xt::xtensor<std::int64_t, 2>;
using I1 = xt::xtensor<std::int64_t, 1>;

namespace {
template <class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const sl::error& e) {
    return e.what();
  }
  return "no error";
}
/// The dense form of a SparseTensorValue (numpy: a[tuple(idx.T)] += vals).
template <class T>
xt::xtensor<T, 2> densify(const sl::SparseTensorValue<T, 2>& v) {
  xt::xtensor<T, 2> d = xt::zeros<T>({static_cast<std::size_t>(v.dense_shape(0)), static_cast<std::size_t>(v.dense_shape(1))});
  for (std::size_t n = 0; n < v.nnz(); ++n) d(v.indices(n, 0), v.indices(n, 1)) += v.values(n);
  return d;
}
/// A pseudo-random sparse (rows, cols) matrix in row-major order, about `fill` of it set.
sl::SparseTensorValue<double, 2> random_sparse(std::size_t rows, std::size_t cols, double fill, unsigned seed) {
  std::uint64_t s = 0x9E3779B97F4A7C15ull * (seed + 1);
  auto next = [&] { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return static_cast<double>(s % 1000003) / 1000003.0; };
  std::vector<std::int64_t> ix;
  std::vector<double> vals;
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c)
      if (next() < fill) ix.push_back(static_cast<std::int64_t>(r)), ix.push_back(static_cast<std::int64_t>(c)), vals.push_back(next() * 2 - 1);
  sl::SparseTensorValue<double, 2> v;
  v.indices = xt::adapt(ix, std::vector<std::size_t>{vals.size(), 2});
  v.values = xt::adapt(vals, std::vector<std::size_t>{vals.size()});
  v.dense_shape = {static_cast<std::int64_t>(rows), static_cast<std::int64_t>(cols)};
  return v;
}
}  // namespace

TEST_CASE("sparse_tensor_to_dense: TF's example, default value, and TF's messages") {
  sl::Graph g;
  auto sp = sl::sparse_placeholder<float, shape<sl::dyn, 4>>(g, "sp");
  auto dense = sl::sparse_tensor_to_dense(sp);
  static_assert(std::is_same_v<decltype(dense), sl::Tensor<float, shape<sl::dyn, 4>>>);
  auto filled = sl::sparse_tensor_to_dense(sp, -1.f);
  auto unchecked = sl::sparse_tensor_to_dense(sp, 0.f, false);
  CHECK(g.at(dense.id()).op == "SparseToDense");
  sl::Session sess(g);
  // tf.sparse.to_dense(SparseTensor([[0, 0], [1, 2]], [1, 2], [3, 4]))
  const sl::SparseTensorValue<float, 2> sv{{{0, 0}, {1, 2}}, {1.f, 2.f}, {3, 4}};
  CHECK(sess.run(dense, {{sp, sv}}) == xt::xtensor<float, 2>{{1, 0, 0, 0}, {0, 0, 2, 0}, {0, 0, 0, 0}});
  CHECK(sess.run(filled, {{sp, sv}}) == xt::xtensor<float, 2>{{1, -1, -1, -1}, {-1, -1, 2, -1}, {-1, -1, -1, -1}});
  // TF's s5: [[0, 2], [0, 1]] is out of order for SparseToDense.
  const sl::SparseTensorValue<float, 2> s5{{{0, 2}, {0, 1}}, {1.f, 2.f}, {3, 4}};
  CHECK(message_of([&] { (void)sess.run(dense, {{sp, s5}}); }) ==
        "indices[1] = [0,1] is out of order. Many sparse ops require sorted indices.\n"
        "    Use `tf.sparse.reorder` to create a correctly ordered copy.\n\n");
  // Without validation the order does not matter (TF's validate_indices=False).
  CHECK(sess.run(unchecked, {{sp, s5}}) == xt::xtensor<float, 2>{{0, 2, 1, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}});
  const sl::SparseTensorValue<float, 2> repeated{{{0, 1}, {0, 1}}, {1.f, 2.f}, {3, 4}};
  CHECK(message_of([&] { (void)sess.run(dense, {{sp, repeated}}); }) == "indices[1] = [0,1] is repeated");
  // Reordered, it converts (tf.sparse.reorder then to_dense: [[0, 2, 1, 0], ...]).
  CHECK(sess.run(sl::sparse_tensor_to_dense(sl::sparse_reorder(sp)), {{sp, s5}}) ==
        xt::xtensor<float, 2>{{0, 2, 1, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}});
  // Out of bounds where the indices do not come from a fed value (a constant).
  auto bad_ix = sl::constant(g, {{std::int64_t{0}, std::int64_t{0}}, {std::int64_t{0}, std::int64_t{5}}});
  sl::SparseTensor<float, shape<3, 4>> st(bad_ix, sl::constant(g, {1.f, 2.f}), sl::constant(g, {std::int64_t{3}, std::int64_t{4}}));
  auto st_dense = sl::sparse_tensor_to_dense(st, 0.f, true, "to_dense");
  CHECK(message_of([&] { (void)sess.run(st_dense); }) == "indices[1] = [0,5] is out of bounds: need 0 <= index < [3,4]");
  try {
    (void)sess.run(st_dense);
  } catch (const sl::error& e) {
    CHECK(e.node() == "to_dense");
  }
  auto st_loose = sl::sparse_tensor_to_dense(st, 0.f, false);
  CHECK(message_of([&] { (void)sess.run(st_loose); }) == "Indices are not valid (out of bounds).  Shape: [3,4]");
}

TEST_CASE("sparse_tensor_dense_matmul: typed shapes, adjoints, agreement with the dense matmul") {
  sl::Graph g;
  auto sp = sl::sparse_placeholder<double, shape<sl::dyn, 6>>(g, "sp");
  auto b = sl::placeholder<double, shape<6, 3>>(g, "b");
  auto bt = sl::placeholder<double, shape<3, 6>>(g, "bt");
  auto y = sl::sparse_tensor_dense_matmul(sp, b);
  static_assert(std::is_same_v<decltype(y), sl::Tensor<double, shape<sl::dyn, 3>>>);
  auto y_adj_b = sl::sparse_tensor_dense_matmul<false, true>(sp, bt);
  static_assert(std::is_same_v<decltype(y_adj_b), sl::Tensor<double, shape<sl::dyn, 3>>>);
  auto c = sl::placeholder<double, shape<sl::dyn, 2>>(g, "c");
  auto y_adj_a = sl::sparse_tensor_dense_matmul<true, false>(sp, c);
  static_assert(std::is_same_v<decltype(y_adj_a), sl::Tensor<double, shape<6, 2>>>);
  // The dense path: the same product through to_dense and matmul.
  auto dense = sl::matmul(sl::sparse_tensor_to_dense(sp), b);
  sl::Session sess(g);
  for (unsigned seed = 0; seed < 4; ++seed) {
    const auto sv = random_sparse(5, 6, 0.3, seed);
    xt::xtensor<double, 2> bv = xt::xtensor<double, 2>::from_shape({6, 3});
    for (std::size_t i = 0; i < bv.size(); ++i) bv.flat(i) = std::sin(double(i + seed));
    const xt::xtensor<double, 2> btv = xt::transpose(bv);
    xt::xtensor<double, 2> cv = xt::xtensor<double, 2>::from_shape({5, 2});
    for (std::size_t i = 0; i < cv.size(); ++i) cv.flat(i) = std::cos(double(i * 3 + seed));
    const xt::xtensor<double, 2> a = densify(sv);
    auto [r, r_dense, r_adj_b, r_adj_a] =
        sess.run(std::tuple{y, dense, y_adj_b, y_adj_a}, {{sp, sv}, {b, bv}, {bt, btv}, {c, cv}});
    // numpy: a @ b, a @ bt.T, a.T @ c
    xt::xtensor<double, 2> want = xt::zeros<double>({5, 3}), want_t = xt::zeros<double>({6, 2});
    for (std::size_t i = 0; i < 5; ++i)
      for (std::size_t k = 0; k < 6; ++k) {
        for (std::size_t j = 0; j < 3; ++j) want(i, j) += a(i, k) * bv(k, j);
        for (std::size_t j = 0; j < 2; ++j) want_t(k, j) += a(i, k) * cv(i, j);
      }
    CHECK(xt::allclose(r, want));
    CHECK(xt::allclose(r_dense, want));
    CHECK(xt::allclose(r_adj_b, want));
    CHECK(xt::allclose(r_adj_a, want_t));
  }
  // TF's messages: a dense shape whose inner dimension differs from b's.
  sl::Graph g2;
  auto ix = sl::placeholder<std::int64_t, shape<sl::dyn, 2>>(g2, "ix");
  auto vals = sl::placeholder<float, shape<sl::dyn>>(g2, "vals");
  auto ds = sl::placeholder<std::int64_t, shape<2>>(g2, "ds");
  sl::SparseTensor<float, shape<sl::dyn, sl::dyn>> loose(ix, vals, ds);
  auto w = sl::placeholder<float, shape<4, 2>>(g2, "w");
  auto prod = sl::sparse_tensor_dense_matmul(loose, w);
  sl::Session s2(g2);
  const xt::xtensor<float, 2> wv = xt::ones<float>({4, 2});
  CHECK(message_of([&] { (void)s2.run(prod, {{ix, I2{{0, 0}}}, {vals, xt::xtensor<float, 1>{1.f}}, {ds, I1{3, 5}}, {w, wv}}); }) ==
        "Cannot multiply A and B because inner dimension does not match: 5 vs. 4.  Did you forget a transpose?  "
        "Dimensions of A: [3, 5).  Dimensions of B: [4,2]");
  CHECK(message_of([&] { (void)s2.run(prod, {{ix, I2{{0, 4}}}, {vals, xt::xtensor<float, 1>{1.f}}, {ds, I1{3, 4}}, {w, wv}}); }) ==
        "k (4) from index[0,1] out of bounds (>=4)");
  CHECK(message_of([&] { (void)s2.run(prod, {{ix, I2{{7, 0}}}, {vals, xt::xtensor<float, 1>{1.f}}, {ds, I1{3, 4}}, {w, wv}}); }) ==
        "m (7) from index[0,0] out of bounds (>=3)");
}

TEST_CASE("sparse_reduce_sum: axes as template arguments, keepdims; TF's documented example") {
  sl::Graph g;
  auto sp = sl::sparse_placeholder<float, shape<2, 3>>(g, "sp");
  // TF's docstring: x = [[1, ?, 1], [?, ?, 1]]
  const sl::SparseTensorValue<float, 2> x{{{0, 0}, {0, 2}, {1, 2}}, {1.f, 1.f, 1.f}, {2, 3}};
  auto all = sl::sparse_reduce_sum(sp);
  static_assert(std::is_same_v<decltype(all), sl::Tensor<float, shape<>>>);
  auto cols = sl::sparse_reduce_sum<0>(sp);
  static_assert(std::is_same_v<decltype(cols), sl::Tensor<float, shape<3>>>);
  auto rows = sl::sparse_reduce_sum<1>(sp);
  auto rows_kept = sl::sparse_reduce_sum<1>(sp, sl::keepdims);
  static_assert(std::is_same_v<decltype(rows_kept), sl::Tensor<float, shape<2, 1>>>);
  auto both = sl::sparse_reduce_sum<0, 1>(sp);
  sl::Session sess(g);
  auto [a, c, r, rk, b] = sess.run(std::tuple{all, cols, rows, rows_kept, both}, {{sp, x}});
  CHECK(a == 3.f);                                            // tf.sparse.reduce_sum(x) ==> 3
  CHECK(c == xt::xtensor<float, 1>{1, 0, 2});                 // axis=0 ==> [1, 0, 2]
  CHECK(r == xt::xtensor<float, 1>{2, 1});                    // axis=1 ==> [2, 1]
  CHECK(rk == xt::xtensor<float, 2>{{2}, {1}});               // keepdims ==> [[2], [1]]
  CHECK(b == 3.f);                                            // axis=[0, 1] ==> 3
}

TEST_CASE("sparse_add: TF's documented example, threshold, shapes that differ") {
  sl::Graph g;
  auto a = sl::sparse_placeholder<float, shape<3, 2>>(g, "a");
  auto b = sl::sparse_placeholder<float, shape<3, 2>>(g, "b");
  auto sum = sl::sparse_add(a, b);
  static_assert(std::is_same_v<decltype(sum), sl::SparseTensor<float, shape<3, 2>>>);
  auto thresholded = sl::sparse_add(a, b, 0.25);
  sl::Session sess(g);
  // TF's docstring: A = [[1, 0], [0, 0], [0, 0]] (one entry 1 at [0, 1] here), B with [1, 0] and [0, 1].
  const sl::SparseTensorValue<float, 2> av{{{0, 1}, {2, 0}}, {1.f, 0.2f}, {3, 2}};
  const sl::SparseTensorValue<float, 2> bv{{{0, 1}, {1, 0}, {2, 0}}, {-0.9f, 2.f, 0.f}, {3, 2}};
  auto r = sess.run(sum, {{a, av}, {b, bv}});
  CHECK(r.indices == I2{{0, 1}, {1, 0}, {2, 0}});
  CHECK(xt::allclose(r.values, xt::xtensor<float, 1>{0.1f, 2.f, 0.2f}));
  CHECK(r.dense_shape == I1{3, 2});
  // thresh 0.25 drops the summed entries smaller in magnitude (0.1 and 0.2); single entries stay.
  auto t = sess.run(thresholded, {{a, av}, {b, bv}});
  CHECK(t.indices == I2{{1, 0}});
  CHECK(t.values == xt::xtensor<float, 1>{2.f});
  sl::Graph g2;
  auto p = sl::sparse_placeholder<float, shape<sl::dyn, 2>>(g2, "p");
  auto q = sl::sparse_placeholder<float, shape<sl::dyn, 2>>(g2, "q");
  auto pq = sl::sparse_add(p, q);
  sl::Session s2(g2);
  CHECK(message_of([&] {
          (void)s2.run(pq, {{p, sl::SparseTensorValue<float, 2>{{{0, 0}}, {1.f}, {3, 2}}},
                            {q, sl::SparseTensorValue<float, 2>{{{0, 0}}, {1.f}, {4, 2}}}});
        }) == "Operands' shapes do not match: got 3 and 4 for dimension 0");
}

TEST_CASE("sparse_reorder, sparse_reshape, sparse_retain") {
  sl::Graph g;
  auto sp = sl::sparse_placeholder<float, shape<2, 6>>(g, "sp");
  const sl::SparseTensorValue<float, 2> v{{{1, 5}, {0, 3}, {1, 0}}, {3.f, 1.f, 2.f}, {2, 6}};
  auto ordered = sl::sparse_reorder(sp);
  auto reshaped = sl::sparse_reshape<shape<3, sl::dyn>>(sl::sparse_reorder(sp));
  static_assert(std::is_same_v<decltype(reshaped), sl::SparseTensor<float, shape<3, sl::dyn>>>);
  auto keep = sl::placeholder<bool, shape<sl::dyn>>(g, "keep");
  auto retained = sl::sparse_retain(sp, keep);
  sl::Session sess(g);
  auto o = sess.run(ordered, {{sp, v}});
  CHECK(o.indices == I2{{0, 3}, {1, 0}, {1, 5}});
  CHECK(o.values == xt::xtensor<float, 1>{1.f, 2.f, 3.f});
  CHECK(o.dense_shape == I1{2, 6});
  // tf.sparse.reshape to [3, -1]: positions 3, 6, 11 of 12 -> [0, 3], [1, 2], [2, 3] in (3, 4).
  auto r = sess.run(reshaped, {{sp, v}});
  CHECK(r.indices == I2{{0, 3}, {1, 2}, {2, 3}});
  CHECK(r.dense_shape == I1{3, 4});
  CHECK(r.values == xt::xtensor<float, 1>{1.f, 2.f, 3.f});
  auto k = sess.run(retained, {{sp, v}, {keep, xt::xtensor<bool, 1>{true, false, true}}});
  CHECK(k.indices == I2{{1, 5}, {1, 0}});
  CHECK(k.values == xt::xtensor<float, 1>{3.f, 2.f});
  CHECK(k.dense_shape == I1{2, 6});
  CHECK(message_of([&] { (void)sess.run(retained, {{sp, v}, {keep, xt::xtensor<bool, 1>{true}}}); }) ==
        "sparse_retain: to_retain must be a vector of 3 bools (one per value), got shape [1]");
  auto bad = sl::sparse_reshape<shape<5, sl::dyn>>(sp);
  CHECK(message_of([&] { (void)sess.run(bad, {{sp, v}}); }) ==
        "Input to reshape is a SparseTensor with 12 dense values, but the requested shape requires a multiple of 5");
}

TEST_CASE("nn::embedding_lookup_sparse: sum, mean, sqrtn, weights; agreement with a plain loop") {
  sl::Graph g;
  auto params = sl::placeholder<double, shape<4, 2>>(g, "params");
  auto ids = sl::sparse_placeholder<std::int64_t, shape<sl::dyn, sl::dyn>>(g, "ids");
  auto weights = sl::sparse_placeholder<double, shape<sl::dyn, sl::dyn>>(g, "weights");
  auto sum = sl::nn::embedding_lookup_sparse(params, ids, sl::none, "sum");
  static_assert(std::is_same_v<decltype(sum), sl::Tensor<double, shape<sl::dyn, 2>>>);
  auto mean = sl::nn::embedding_lookup_sparse(params, ids, sl::none);
  auto sqrtn = sl::nn::embedding_lookup_sparse(params, ids, weights, "sqrtn");
  auto wmean = sl::nn::embedding_lookup_sparse(params, ids, weights, "mean");
  CHECK(message_of([&] { (void)sl::nn::embedding_lookup_sparse(params, ids, sl::none, "max"); }) ==
        "combiner must be one of 'mean', 'sqrtn' or 'sum'");
  sl::Session sess(g);
  const xt::xtensor<double, 2> pv{{1, 2}, {3, 4}, {5, 6}, {7, 8}};
  // Row 0: ids 1, 3; row 1: none; row 2: id 0 twice.
  const sl::SparseTensorValue<std::int64_t, 2> iv{{{0, 0}, {0, 1}, {2, 0}, {2, 1}}, {1, 3, 0, 0}, {3, 2}};
  const sl::SparseTensorValue<double, 2> wv{{{0, 0}, {0, 1}, {2, 0}, {2, 1}}, {1.0, 3.0, 2.0, 2.0}, {3, 2}};
  auto [s, m, q, wm] = sess.run(std::tuple{sum, mean, sqrtn, wmean}, {{params, pv}, {ids, iv}, {weights, wv}});
  CHECK(s == xt::xtensor<double, 2>{{10, 12}, {0, 0}, {2, 4}});
  CHECK(m == xt::xtensor<double, 2>{{5, 6}, {0, 0}, {1, 2}});
  // sqrtn: (1 * p1 + 3 * p3) / sqrt(1 + 9); (2 p0 + 2 p0) / sqrt(8)
  CHECK(xt::allclose(q, xt::xtensor<double, 2>{{24 / std::sqrt(10.0), 28 / std::sqrt(10.0)}, {0, 0},
                                                {4 / std::sqrt(8.0), 8 / std::sqrt(8.0)}}));
  CHECK(xt::allclose(wm, xt::xtensor<double, 2>{{6, 7}, {0, 0}, {1, 2}}));
  const sl::SparseTensorValue<std::int64_t, 2> bad{{{0, 0}}, {4}, {1, 1}};
  CHECK(message_of([&] { (void)sess.run(sum, {{params, pv}, {ids, bad}}); }) == "indices[0] = 4 is not in [0, 4)");
}
