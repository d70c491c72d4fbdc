// matmul against a plain triple loop, for every dtype it takes: static and
// dynamic shapes, transpose flags, batched with broadcast batch axes, errors.
#include <array>
#include <cmath>

#include <doctest/doctest.h>

#include <sessionlib/ops/linalg.hpp>
#include <sessionlib/session/session.hpp>

#include "array_test_util.hpp"

namespace sl = sessionlib;
using testutil::flat;
using testutil::make;
using testutil::shape_vec;

namespace {

/// Reference: op(a) @ op(b) over the last two axes, leading axes broadcast.
template <class T>
std::vector<T> ref_matmul(const std::vector<T>& a, std::vector<std::size_t> da, const std::vector<T>& b,
                          std::vector<std::size_t> db, bool ta, bool tb, std::vector<std::size_t>& out_shape) {
  while (da.size() < db.size()) da.insert(da.begin(), 1);
  while (db.size() < da.size()) db.insert(db.begin(), 1);
  const std::size_t r = da.size();
  const std::size_t m = ta ? da[r - 1] : da[r - 2], k = ta ? da[r - 2] : da[r - 1];
  const std::size_t n = tb ? db[r - 2] : db[r - 1];
  out_shape.clear();
  for (std::size_t i = 0; i + 2 < r; ++i) out_shape.push_back(std::max(da[i], db[i]));
  std::size_t batches = 1;
  for (auto d : out_shape) batches *= d;
  out_shape.push_back(m);
  out_shape.push_back(n);
  std::vector<T> out(batches * m * n);
  for (std::size_t bi = 0; bi < batches; ++bi) {
    std::size_t rest = bi, oa = 0, ob = 0, sa = 1, sb = 1;
    for (std::size_t ax = r - 2; ax-- > 0;) {
      const std::size_t idx = rest % out_shape[ax];
      rest /= out_shape[ax];
      oa += (da[ax] == 1 ? 0 : idx) * sa;
      ob += (db[ax] == 1 ? 0 : idx) * sb;
      sa *= da[ax];
      sb *= db[ax];
    }
    const T* pa = a.data() + oa * m * k;
    const T* pb = b.data() + ob * k * n;
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        T s{0};
        for (std::size_t p = 0; p < k; ++p) {
          const T x = ta ? pa[p * m + i] : pa[i * k + p];
          const T y = tb ? pb[j * k + p] : pb[p * n + j];
          s = static_cast<T>(s + x * y);
        }
        out[bi * m * n + i * n + j] = s;
      }
  }
  return out;
}

template <class T, class EA, class EB, class ER>
void check_against_ref(const EA& a, const EB& b, const ER& got, bool ta, bool tb) {
  std::vector<std::size_t> want_shape;
  const auto want = ref_matmul<T>(flat<T>(a), shape_vec(a), flat<T>(b), shape_vec(b), ta, tb, want_shape);
  CHECK(shape_vec(got) == want_shape);
  CHECK(flat<T>(got) == want);
}

}  // namespace

#define SL_MATMUL_TYPES float, double, std::int32_t, std::int64_t, std::uint8_t

TEST_CASE_TEMPLATE("matmul: 2-D, static shapes, all transpose flags", T, SL_MATMUL_TYPES) {
  sl::Graph g;
  sl::Session sess(g);
  const auto av = make<T, 2>({3, 4}, 1);
  const auto bv = make<T, 2>({4, 5}, 2);
  auto a = sl::constant<sl::shape<3, 4>>(g, av);
  auto b = sl::constant<sl::shape<4, 5>>(g, bv);
  auto at = sl::constant<sl::shape<4, 3>>(g, make<T, 2>({4, 3}, 1));
  auto bt = sl::constant<sl::shape<5, 4>>(g, make<T, 2>({5, 4}, 2));

  SUBCASE("a @ b") {
    auto c = sl::matmul(a, b, "mm");
    static_assert(std::is_same_v<decltype(c), sl::Tensor<T, sl::shape<3, 5>>>);
    CHECK(g.at(c.id()).op == "MatMul");
    CHECK(c.op_name() == "mm");
    check_against_ref<T>(av, bv, sess.run(c), false, false);
  }
  SUBCASE("a^T @ b") {
    auto c = sl::matmul<sl::transpose_a>(at, b);
    static_assert(std::is_same_v<decltype(c), sl::Tensor<T, sl::shape<3, 5>>>);
    check_against_ref<T>(make<T, 2>({4, 3}, 1), bv, sess.run(c), true, false);
  }
  SUBCASE("a @ b^T") {
    auto c = sl::matmul<sl::transpose_b>(a, bt);
    static_assert(std::is_same_v<decltype(c), sl::Tensor<T, sl::shape<3, 5>>>);
    check_against_ref<T>(av, make<T, 2>({5, 4}, 2), sess.run(c), false, true);
  }
  SUBCASE("a^T @ b^T, both spellings") {
    auto c = sl::matmul<sl::transpose_a | sl::transpose_b>(at, bt);
    auto d = sl::matmul<true, true>(at, bt);
    static_assert(std::is_same_v<decltype(c), sl::Tensor<T, sl::shape<3, 5>>>);
    static_assert(std::is_same_v<decltype(d), decltype(c)>);
    auto [rc, rd] = sess.run(std::tuple{c, d});
    check_against_ref<T>(make<T, 2>({4, 3}, 1), make<T, 2>({5, 4}, 2), rc, true, true);
    CHECK(rc == rd);
  }
}

TEST_CASE_TEMPLATE("matmul: dynamic dimensions fed at run time", T, SL_MATMUL_TYPES) {
  sl::Graph g;
  auto x = sl::placeholder<T, sl::shape<sl::dyn, sl::dyn>>(g, "x");
  auto w = sl::placeholder<T, sl::shape<sl::dyn, 6>>(g, "w");
  auto y = sl::matmul(x, w, "y");
  static_assert(std::is_same_v<decltype(y), sl::Tensor<T, sl::shape<sl::dyn, 6>>>);
  auto yt = sl::matmul<sl::transpose_a>(x, w);
  static_assert(std::is_same_v<decltype(yt), sl::Tensor<T, sl::shape<sl::dyn, 6>>>);
  sl::Session sess(g);
  // Several shapes through the same plan: the output buffer is resized as needed.
  for (std::size_t rows : {1u, 7u, 2u, 33u}) {
    const auto xv = make<T, 2>({rows, 9}, rows);
    const auto wv = make<T, 2>({9, 6}, 3);
    check_against_ref<T>(xv, wv, sess.run(y, {{x, xv}, {w, wv}}), false, false);
  }
  const auto xv = make<T, 2>({9, 4}, 5);
  const auto wv = make<T, 2>({9, 6}, 3);
  check_against_ref<T>(xv, wv, sess.run(yt, {{x, xv}, {w, wv}}), true, false);

  SUBCASE("inner dimensions differ at run time") {
    const auto bad = make<T, 2>({2, 3}, 0);
    const auto wb = make<T, 2>({4, 6}, 0);
    CHECK_THROWS_WITH_AS(sess.run(y, {{x, bad}, {w, wb}}), "Matrix size-incompatible: In[0]: [2,3], In[1]: [4,6]",
                         sl::invalid_argument);
    try {
      sess.run(y, {{x, bad}, {w, wb}});
    } catch (const sl::error& e) {
      CHECK(e.node() == "y");
    }
  }
  SUBCASE("an empty inner dimension gives zeros") {
    const auto xe = xt::xtensor<T, 2>::from_shape({3, 0});
    const auto we = xt::xtensor<T, 2>::from_shape({0, 6});
    const auto r = sess.run(y, {{x, xe}, {w, we}});
    CHECK(shape_vec(r) == std::vector<std::size_t>{3, 6});
    CHECK(flat<T>(r) == std::vector<T>(18, T{0}));
  }
}

TEST_CASE_TEMPLATE("matmul: batched, with broadcast batch axes", T, SL_MATMUL_TYPES) {
  sl::Graph g;
  sl::Session sess(g);
  SUBCASE("same batch") {
    const auto av = make<T, 3>({2, 3, 4}, 1);
    const auto bv = make<T, 3>({2, 4, 5}, 2);
    auto c = sl::matmul(sl::constant<sl::shape<2, 3, 4>>(g, av), sl::constant<sl::shape<2, 4, 5>>(g, bv));
    static_assert(std::is_same_v<decltype(c), sl::Tensor<T, sl::shape<2, 3, 5>>>);
    CHECK(g.at(c.id()).op == "BatchMatMulV2");
    check_against_ref<T>(av, bv, sess.run(c), false, false);
  }
  SUBCASE("rank 3 @ rank 2") {
    const auto av = make<T, 3>({3, 2, 4}, 1);
    const auto bv = make<T, 2>({4, 5}, 2);
    auto c = sl::matmul(sl::constant<sl::shape<3, 2, 4>>(g, av), sl::constant<sl::shape<4, 5>>(g, bv));
    static_assert(std::is_same_v<decltype(c), sl::Tensor<T, sl::shape<3, 2, 5>>>);
    check_against_ref<T>(av, bv, sess.run(c), false, false);
  }
  SUBCASE("broadcast on both sides, transposed") {
    const auto av = make<T, 4>({2, 1, 4, 3}, 1);  // op(a): [2, 1, 3, 4]
    const auto bv = make<T, 3>({3, 5, 4}, 2);     // op(b): [3, 4, 5]
    auto a = sl::placeholder<T, sl::shape<sl::dyn, 1, 4, 3>>(g, "a");
    auto b = sl::placeholder<T, sl::shape<3, sl::dyn, 4>>(g, "b");
    auto c = sl::matmul<sl::transpose_a | sl::transpose_b>(a, b, "bmm");
    static_assert(std::is_same_v<decltype(c), sl::Tensor<T, sl::shape<sl::dyn, 3, 3, sl::dyn>>>);
    check_against_ref<T>(av, bv, sess.run(c, {{a, av}, {b, bv}}), true, true);
  }
  SUBCASE("batch axes or inner dimensions that do not fit at run time") {
    auto a = sl::placeholder<T, sl::shape<sl::dyn, 2, sl::dyn>>(g, "a");
    auto b = sl::placeholder<T, sl::shape<sl::dyn, sl::dyn, 2>>(g, "b");
    auto c = sl::matmul(a, b, "bmm");
    CHECK_THROWS_WITH_AS(sess.run(c, {{a, make<T, 3>({2, 2, 3})}, {b, make<T, 3>({2, 4, 2})}}),
                         "Matrix size-incompatible: In[0]: [2,2,3], In[1]: [2,4,2]", sl::invalid_argument);
    CHECK_THROWS_WITH_AS(sess.run(c, {{a, make<T, 3>({2, 2, 3})}, {b, make<T, 3>({3, 3, 2})}}),
                         "In[0] and In[1] must have compatible batch dimensions: [2,2,3] vs. [3,3,2]",
                         sl::invalid_argument);
  }
}

TEST_CASE("matmul: float result matches a double-precision reference on larger sizes") {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, sl::dyn>>(g, "x");
  auto w = sl::placeholder<float, sl::shape<sl::dyn, sl::dyn>>(g, "w");
  auto y = sl::matmul(x, w);
  sl::Session sess(g);
  xt::xtensor<float, 2> xv = xt::xtensor<float, 2>::from_shape({67, 130});
  xt::xtensor<float, 2> wv = xt::xtensor<float, 2>::from_shape({130, 71});
  for (std::size_t i = 0; i < xv.size(); ++i) xv.data()[i] = static_cast<float>(i % 13) * 0.25f - 1.0f;
  for (std::size_t i = 0; i < wv.size(); ++i) wv.data()[i] = static_cast<float>(i % 11) * 0.5f - 2.0f;
  const auto r = sess.run(y, {{x, xv}, {w, wv}});
  for (std::size_t i = 0; i < 67; ++i)
    for (std::size_t j = 0; j < 71; ++j) {
      double s = 0;
      for (std::size_t p = 0; p < 130; ++p) s += double(xv(i, p)) * double(wv(p, j));
      CHECK(r(i, j) == doctest::Approx(s).epsilon(1e-5));
    }
}

namespace {
/// op(a) @ op(b) of sizes m x k and k x n, on a session of 3 intra-op threads,
/// against a double-precision loop: the number of elements off by more than 1e-4.
template <class T, bool TA, bool TB>
std::size_t split_product_errors(std::size_t m, std::size_t k, std::size_t n) {
  sl::Graph g;
  auto a = sl::placeholder<T, sl::shape<sl::dyn, sl::dyn>>(g, "a");
  auto b = sl::placeholder<T, sl::shape<sl::dyn, sl::dyn>>(g, "b");
  auto c = sl::matmul<TA, TB>(a, b);
  sl::SessionConfig config;
  config.intra_op_threads = 3;
  sl::Session sess(g, config);
  xt::xtensor<T, 2> av = xt::xtensor<T, 2>::from_shape({TA ? k : m, TA ? m : k});
  xt::xtensor<T, 2> bv = xt::xtensor<T, 2>::from_shape({TB ? n : k, TB ? k : n});
  for (std::size_t i = 0; i < av.size(); ++i) av.data()[i] = static_cast<T>(static_cast<double>(i % 13) * 0.25 - 1.5);
  for (std::size_t i = 0; i < bv.size(); ++i) bv.data()[i] = static_cast<T>(static_cast<double>(i % 7) * 0.5 - 1.0);
  const auto r = sess.run(c, {{a, av}, {b, bv}});
  REQUIRE(r.shape()[0] == m);
  REQUIRE(r.shape()[1] == n);
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      double s = 0;
      for (std::size_t q = 0; q < k; ++q)
        s += static_cast<double>(TA ? av(q, i) : av(i, q)) * static_cast<double>(TB ? bv(j, q) : bv(q, j));
      if (std::abs(static_cast<double>(r(i, j)) - s) > 1e-4 * (1.0 + std::abs(s))) ++wrong;
    }
  return wrong;
}
}  // namespace

TEST_CASE_TEMPLATE("matmul: products split over intra-op threads match a double-precision reference", T, float, double) {
  // Large enough to split: a tall product splits C's rows, a wide one its
  // columns, each under every transpose flag; 3 threads make uneven parts.
  for (const auto& p : {std::array<std::size_t, 3>{601, 300, 40}, std::array<std::size_t, 3>{8, 600, 2001}}) {
    const std::size_t m = p[0], k = p[1], n = p[2];
    CAPTURE(m);
    CHECK(split_product_errors<T, false, false>(m, k, n) == 0);
    CHECK(split_product_errors<T, true, false>(m, k, n) == 0);
    CHECK(split_product_errors<T, false, true>(m, k, n) == 0);
    CHECK(split_product_errors<T, true, true>(m, k, n) == 0);
  }
}
