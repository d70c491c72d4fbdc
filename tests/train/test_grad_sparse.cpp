// Gradients of the sparse ops (issue 13) against central differences: to a
// SparseTensor's values (SparseToDense, SparseTensorDenseMatMul with every
// adjoint pair, SparseReduceSum, SparseAdd) and to the dense operands
// (SparseTensorDenseMatMul's b, embedding_lookup_sparse's params).
#include "numeric_grad.hpp"

namespace sl = sessionlib;

using sl::shape;
using numeric_grad::check;
using numeric_grad::values;

namespace {
// A 3 x 4 sparse matrix in row-major order whose values are the placeholder `v`.
struct fixture {
  sl::Graph g;
  sl::Tensor<std::int64_t, shape<5, 2>> ix = sl::constant(g, {{std::int64_t{0}, std::int64_t{1}}, {std::int64_t{0}, std::int64_t{3}},
                                                           {std::int64_t{1}, std::int64_t{0}}, {std::int64_t{2}, std::int64_t{2}},
                                                           {std::int64_t{2}, std::int64_t{3}}});
  sl::Tensor<double, shape<sl::dyn>> v = sl::placeholder<double, shape<sl::dyn>>(g, "v");
  sl::Tensor<std::int64_t, shape<2>> ds = sl::constant(g, {std::int64_t{3}, std::int64_t{4}});
  sl::SparseTensor<double, shape<3, 4>> sp{ix, v, ds};
  xt::xarray<double> v0 = values({5}, -1.0, 1.0, 3);
};
}  // namespace

TEST_CASE("sparse_tensor_to_dense: d/dvalues") {
  fixture f;
  auto y = sl::square(sl::sparse_tensor_to_dense(f.sp, 0.5));
  sl::Session sess(f.g);
  check(sess, y, f.v, f.v0);
}

TEST_CASE("sparse_tensor_dense_matmul: d/dvalues and d/db, every adjoint pair") {
  fixture f;
  auto b = sl::placeholder<double, shape<4, 2>>(f.g, "b");
  auto bt = sl::placeholder<double, shape<2, 4>>(f.g, "bt");
  auto c = sl::placeholder<double, shape<3, 2>>(f.g, "c");
  auto ct = sl::placeholder<double, shape<2, 3>>(f.g, "ct");
  const xt::xarray<double> b0 = values({4, 2}, -1, 1, 5), bt0 = values({2, 4}, -1, 1, 6);
  const xt::xarray<double> c0 = values({3, 2}, -1, 1, 7), ct0 = values({2, 3}, -1, 1, 8);
  sl::Session sess(f.g);
  const xt::xtensor<double, 2> bv = b0, btv = bt0, cv = c0, ctv = ct0;
  const xt::xtensor<double, 1> vv = f.v0;
  SUBCASE("plain") {
    auto y = sl::square(sl::sparse_tensor_dense_matmul(f.sp, b));
    check(sess, y, f.v, f.v0, {{b, bv}});
    check(sess, y, b, b0, {{f.v, vv}});
  }
  SUBCASE("adjoint_b") {
    auto y = sl::square(sl::sparse_tensor_dense_matmul<false, true>(f.sp, bt));
    check(sess, y, f.v, f.v0, {{bt, btv}});
    check(sess, y, bt, bt0, {{f.v, vv}});
  }
  SUBCASE("adjoint_a") {
    auto y = sl::square(sl::sparse_tensor_dense_matmul<true, false>(f.sp, c));
    check(sess, y, f.v, f.v0, {{c, cv}});
    check(sess, y, c, c0, {{f.v, vv}});
  }
  SUBCASE("both") {
    auto y = sl::square(sl::sparse_tensor_dense_matmul<true, true>(f.sp, ct));
    check(sess, y, f.v, f.v0, {{ct, ctv}});
    check(sess, y, ct, ct0, {{f.v, vv}});
  }
}

TEST_CASE("sparse_reduce_sum: d/dvalues over each axis, all, keepdims") {
  fixture f;
  sl::Session sess(f.g);
  check(sess, sl::square(sl::sparse_reduce_sum<0>(f.sp)), f.v, f.v0);
  check(sess, sl::square(sl::sparse_reduce_sum<1>(f.sp, sl::keepdims)), f.v, f.v0);
  check(sess, sl::square(sl::sparse_reduce_sum(f.sp)), f.v, f.v0);
}

TEST_CASE("sparse_add: d/dvalues of both operands, entries merged and not") {
  fixture f;
  auto ix2 = sl::constant(f.g, {{std::int64_t{0}, std::int64_t{3}}, {std::int64_t{1}, std::int64_t{1}}, {std::int64_t{2}, std::int64_t{3}}});
  auto w = sl::placeholder<double, shape<sl::dyn>>(f.g, "w");
  sl::SparseTensor<double, shape<3, 4>> other(ix2, w, f.ds);
  auto y = sl::square(sl::sparse_tensor_to_dense(sl::sparse_add(f.sp, other)));
  sl::Session sess(f.g);
  const xt::xarray<double> w0 = values({3}, -1, 1, 9);
  const xt::xtensor<double, 1> wv = w0, vv = f.v0;
  check(sess, y, f.v, f.v0, {{w, wv}});
  check(sess, y, w, w0, {{f.v, vv}});
}

TEST_CASE("nn::embedding_lookup_sparse: d/dparams for each combiner, with and without weights") {
  sl::Graph g;
  auto params = sl::placeholder<double, shape<5, 3>>(g, "params");
  auto ids = sl::sparse_placeholder<std::int64_t, shape<sl::dyn, sl::dyn>>(g, "ids");
  auto weights = sl::sparse_placeholder<double, shape<sl::dyn, sl::dyn>>(g, "weights");
  const sl::SparseTensorValue<std::int64_t, 2> iv{{{0, 0}, {0, 1}, {2, 0}, {2, 1}, {2, 2}}, {1, 4, 0, 0, 3}, {3, 3}};
  const sl::SparseTensorValue<double, 2> wv{{{0, 0}, {0, 1}, {2, 0}, {2, 1}, {2, 2}}, {0.5, 2.0, 1.0, -0.3, 1.5}, {3, 3}};
  const xt::xarray<double> p0 = values({5, 3}, -1, 1, 11);
  sl::Session sess(g);
  for (const char* combiner : {"sum", "mean", "sqrtn"}) {
    INFO(combiner);
    check(sess, sl::square(sl::nn::embedding_lookup_sparse(params, ids, sl::none, combiner)), params, p0, {{ids, iv}});
    check(sess, sl::square(sl::nn::embedding_lookup_sparse(params, ids, weights, combiner)), params, p0,
          {{ids, iv}, {weights, wv}});
  }
}
