// reshape, expand_dims, squeeze and transpose for every dtype, against plain
// reference loops: static and dynamic shapes, result types, run-time errors.
#include <doctest/doctest.h>

#include <sessionlib/ops/array.hpp>
#include <sessionlib/session/session.hpp>

#include "array_test_util.hpp"

namespace sl = sessionlib;
using testutil::flat;
using testutil::make;
using testutil::shape_vec;

#define SL_ALL_TYPES float, double, std::int32_t, std::int64_t, std::uint8_t, bool

namespace {
/// Reference transpose: out[i_0, ..., i_r] = in[j] with j's axis perm[k] = i_k.
template <class T>
std::vector<T> ref_transpose(const std::vector<T>& in, const std::vector<std::size_t>& d, const std::vector<int>& perm) {
  const std::size_t r = d.size();
  std::vector<std::size_t> od(r), in_strides(r, 1);
  for (std::size_t i = r; i-- > 1;) in_strides[i - 1] = in_strides[i] * d[i];
  for (std::size_t i = 0; i < r; ++i) od[i] = d[static_cast<std::size_t>(perm[i])];
  std::vector<T> out(in.size());
  for (std::size_t o = 0; o < out.size(); ++o) {
    std::size_t rest = o, src = 0;
    for (std::size_t k = r; k-- > 0;) {
      src += (rest % od[k]) * in_strides[static_cast<std::size_t>(perm[k])];
      rest /= od[k];
    }
    out[o] = in[src];
  }
  return out;
}
}  // namespace

TEST_CASE_TEMPLATE("reshape", T, SL_ALL_TYPES) {
  sl::Graph g;
  sl::Session sess(g);
  const auto v = make<T, 3>({2, 3, 4});
  auto x = sl::constant<sl::shape<2, 3, 4>>(g, v);
  SUBCASE("static shapes; one dyn is inferred at compile time") {
    auto a = sl::reshape<sl::shape<4, 6>>(x, "r");
    auto b = sl::reshape<sl::shape<sl::dyn, 2>>(x);
    static_assert(std::is_same_v<decltype(a), sl::Tensor<T, sl::shape<4, 6>>>);
    static_assert(std::is_same_v<decltype(b), sl::Tensor<T, sl::shape<12, 2>>>);
    CHECK(g.at(a.id()).op == "Reshape");
    auto [ra, rb] = sess.run(std::tuple{a, b});
    CHECK(shape_vec(ra) == std::vector<std::size_t>{4, 6});
    CHECK(shape_vec(rb) == std::vector<std::size_t>{12, 2});
    CHECK(flat<T>(ra) == flat<T>(v));
    CHECK(flat<T>(rb) == flat<T>(v));
  }
  SUBCASE("dynamic input, dyn inferred at run time") {
    auto p = sl::placeholder<T, sl::shape<sl::dyn, 4>>(g, "p");
    auto r = sl::reshape<sl::shape<sl::dyn, 2, 2>>(p, "r");
    static_assert(std::is_same_v<decltype(r), sl::Tensor<T, sl::shape<sl::dyn, 2, 2>>>);
    for (std::size_t rows : {3u, 1u, 5u}) {
      const auto pv = make<T, 2>({rows, 4}, rows);
      const auto got = sess.run(r, {{p, pv}});
      CHECK(shape_vec(got) == std::vector<std::size_t>{rows, 2, 2});
      CHECK(flat<T>(got) == flat<T>(pv));
    }
    CHECK(shape_vec(sess.run(r, {{p, make<T, 2>({0, 4})}})) == std::vector<std::size_t>{0, 2, 2});
  }
  SUBCASE("run-time element count mismatch") {
    auto p = sl::placeholder<T, sl::shape<sl::dyn, 3>>(g, "p");
    auto r = sl::reshape<sl::shape<8>>(p, "r8");
    auto q = sl::reshape<sl::shape<sl::dyn, 4>>(p, "rq");
    CHECK_THROWS_WITH_AS(sess.run(r, {{p, make<T, 2>({2, 3})}}),
                         "Input to reshape is a tensor with 6 values, but the requested shape has 8", sl::invalid_argument);
    CHECK_THROWS_WITH_AS(sess.run(q, {{p, make<T, 2>({2, 3})}}),
                         "Input to reshape is a tensor with 6 values, but the requested shape requires a multiple of 4",
                         sl::invalid_argument);
    try {
      sess.run(r, {{p, make<T, 2>({2, 3})}});
    } catch (const sl::error& e) {
      CHECK(e.node() == "r8");
    }
  }
  SUBCASE("an intermediate input (owned by its producer) is copied, and reruns stay right") {
    auto t = sl::transpose(x);
    auto r = sl::reshape<sl::shape<24>>(t);
    const auto want = ref_transpose<T>(flat<T>(v), {2, 3, 4}, {2, 1, 0});
    for (int i = 0; i < 3; ++i) CHECK(flat<T>(sess.run(r)) == want);
  }
}

TEST_CASE_TEMPLATE("expand_dims and squeeze", T, SL_ALL_TYPES) {
  sl::Graph g;
  sl::Session sess(g);
  const auto v = make<T, 2>({2, 3});
  auto x = sl::constant<sl::shape<2, 3>>(g, v);
  auto e0 = sl::expand_dims<0>(x, "e0");
  auto e1 = sl::expand_dims<1>(x);
  auto e2 = sl::expand_dims<-1>(x);
  static_assert(std::is_same_v<decltype(e0), sl::Tensor<T, sl::shape<1, 2, 3>>>);
  static_assert(std::is_same_v<decltype(e1), sl::Tensor<T, sl::shape<2, 1, 3>>>);
  static_assert(std::is_same_v<decltype(e2), sl::Tensor<T, sl::shape<2, 3, 1>>>);
  CHECK(g.at(e0.id()).op == "ExpandDims");
  auto [r0, r1, r2] = sess.run(std::tuple{e0, e1, e2});
  CHECK(shape_vec(r0) == std::vector<std::size_t>{1, 2, 3});
  CHECK(shape_vec(r1) == std::vector<std::size_t>{2, 1, 3});
  CHECK(shape_vec(r2) == std::vector<std::size_t>{2, 3, 1});
  CHECK(flat<T>(r1) == flat<T>(v));

  auto y = sl::expand_dims<0>(e2);  // shape<1, 2, 3, 1>
  auto s_all = sl::squeeze(y, "sq");
  auto s0 = sl::squeeze<0>(y);
  auto s03 = sl::squeeze<-1, 0>(y);
  static_assert(std::is_same_v<decltype(s_all), sl::Tensor<T, sl::shape<2, 3>>>);
  static_assert(std::is_same_v<decltype(s0), sl::Tensor<T, sl::shape<2, 3, 1>>>);
  static_assert(std::is_same_v<decltype(s03), sl::Tensor<T, sl::shape<2, 3>>>);
  CHECK(g.at(s_all.id()).op == "Squeeze");
  auto [q0, q1, q2] = sess.run(std::tuple{s_all, s0, s03});
  CHECK(shape_vec(q0) == std::vector<std::size_t>{2, 3});
  CHECK(shape_vec(q1) == std::vector<std::size_t>{2, 3, 1});
  CHECK(flat<T>(q2) == flat<T>(v));

  SUBCASE("a dyn axis is checked at run time") {
    auto p = sl::placeholder<T, sl::shape<2, sl::dyn>>(g, "p");
    auto s = sl::squeeze<1>(p, "sq1");
    auto e = sl::expand_dims<1>(p);
    static_assert(std::is_same_v<decltype(s), sl::Tensor<T, sl::shape<2>>>);
    static_assert(std::is_same_v<decltype(e), sl::Tensor<T, sl::shape<2, 1, sl::dyn>>>);
    const auto pv = make<T, 2>({2, 1});
    CHECK(flat<T>(sess.run(s, {{p, pv}})) == flat<T>(pv));
    CHECK(shape_vec(sess.run(e, {{p, make<T, 2>({2, 5})}})) == std::vector<std::size_t>{2, 1, 5});
    CHECK_THROWS_WITH_AS(sess.run(s, {{p, make<T, 2>({2, 3})}}),
                         "Can not squeeze dim[1], expected a dimension of 1, got 3", sl::invalid_argument);
  }
}

TEST_CASE_TEMPLATE("transpose", T, SL_ALL_TYPES) {
  sl::Graph g;
  sl::Session sess(g);
  SUBCASE("matrix, both spellings; large enough to cross tiles") {
    auto p = sl::placeholder<T, sl::shape<sl::dyn, 45>>(g, "p");
    auto a = sl::transpose<1, 0>(p, "t");
    auto b = sl::transpose(p);
    static_assert(std::is_same_v<decltype(a), sl::Tensor<T, sl::shape<45, sl::dyn>>>);
    static_assert(std::is_same_v<decltype(b), decltype(a)>);
    CHECK(g.at(a.id()).op == "Transpose");
    CHECK(g.at(a.id()).attr.template get<sl::transpose_attrs>().perm == std::vector<std::int64_t>{1, 0});
    for (std::size_t rows : {70u, 1u, 33u}) {
      const auto pv = make<T, 2>({rows, 45}, rows);
      auto [ra, rb] = sess.run(std::tuple{a, b}, {{p, pv}});
      CHECK(shape_vec(ra) == std::vector<std::size_t>{45, rows});
      CHECK(flat<T>(ra) == ref_transpose<T>(flat<T>(pv), {rows, 45}, {1, 0}));
      CHECK(ra == rb);
    }
  }
  SUBCASE("rank 3 and 4") {
    const auto v3 = make<T, 3>({2, 3, 4});
    const auto v4 = make<T, 4>({2, 3, 4, 5});
    auto x3 = sl::constant<sl::shape<2, 3, 4>>(g, v3);
    auto x4 = sl::constant<sl::shape<2, 3, 4, 5>>(g, v4);
    auto a = sl::transpose<2, 0, 1>(x3);
    auto b = sl::transpose(x3);
    auto c = sl::transpose<0, 2, 3, 1>(x4);
    auto d = sl::transpose<3, 1, 2, 0>(x4);
    static_assert(std::is_same_v<decltype(a), sl::Tensor<T, sl::shape<4, 2, 3>>>);
    static_assert(std::is_same_v<decltype(b), sl::Tensor<T, sl::shape<4, 3, 2>>>);
    static_assert(std::is_same_v<decltype(c), sl::Tensor<T, sl::shape<2, 4, 5, 3>>>);
    static_assert(std::is_same_v<decltype(d), sl::Tensor<T, sl::shape<5, 3, 4, 2>>>);
    auto [ra, rb, rc, rd] = sess.run(std::tuple{a, b, c, d});
    CHECK(flat<T>(ra) == ref_transpose<T>(flat<T>(v3), {2, 3, 4}, {2, 0, 1}));
    CHECK(flat<T>(rb) == ref_transpose<T>(flat<T>(v3), {2, 3, 4}, {2, 1, 0}));
    CHECK(flat<T>(rc) == ref_transpose<T>(flat<T>(v4), {2, 3, 4, 5}, {0, 2, 3, 1}));
    CHECK(flat<T>(rd) == ref_transpose<T>(flat<T>(v4), {2, 3, 4, 5}, {3, 1, 2, 0}));
    CHECK(shape_vec(rd) == std::vector<std::size_t>{5, 3, 4, 2});
  }
  SUBCASE("rank 1 and 0") {
    auto v = sl::constant(g, {1, 2, 3});
    auto s = sl::constant(g, 7);
    auto tv = sl::transpose(v);
    auto ts = sl::transpose(s);
    static_assert(std::is_same_v<decltype(tv), sl::Tensor<int, sl::shape<3>>>);
    static_assert(std::is_same_v<decltype(ts), sl::Tensor<int, sl::shape<>>>);
    CHECK(sess.run(tv) == xt::xtensor<int, 1>{1, 2, 3});
    CHECK(sess.run(ts) == 7);
  }
}

namespace {
const void* seen_input = nullptr;
/// A pass-through kernel that records the address of the buffer it was given.
void record_input(sl::kernel_context& ctx) {
  seen_input = ctx.input(0).raw();
  ctx.out = ctx.input(0);
}
}  // namespace

TEST_CASE("reshape, expand_dims and squeeze share a fed value's buffer instead of copying it") {
  sl::Graph g;
  sl::Session sess(g);
  auto p = sl::placeholder<float, sl::shape<sl::dyn, 4>>(g, "p");
  auto r = sl::squeeze<0>(sl::expand_dims<0>(sl::reshape<sl::shape<sl::dyn, 2, 2>>(p)));
  auto probe = sl::make_tensor<float, sl::shape_of<decltype(r)>>(
      g, {.op = "Probe", .inputs = {r.id()}, .kernel = record_input});
  const auto pv = make<float, 2>({3, 4});
  const auto got = sess.run(probe, {{p, pv}});
  CHECK(seen_input == pv.data());
  CHECK(flat<float>(got) == flat<float>(pv));
}
