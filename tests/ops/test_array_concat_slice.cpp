// concat and slice for every dtype, against plain reference loops: static and
// dynamic shapes, negative axes, result types, run-time errors naming the node.
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
/// Reference concat of row-major 2-D arrays along `axis`.
template <class T, class... E>
std::vector<T> ref_concat2(std::size_t axis, const E&... parts) {
  std::vector<T> out;
  if (axis == 0) {
    (out.insert(out.end(), parts.data(), parts.data() + parts.size()), ...);
    return out;
  }
  const std::size_t rows = std::get<0>(std::tie(parts...)).shape()[0];
  for (std::size_t i = 0; i < rows; ++i)
    ((out.insert(out.end(), parts.data() + i * parts.shape()[1], parts.data() + (i + 1) * parts.shape()[1])), ...);
  return out;
}
}  // namespace

TEST_CASE_TEMPLATE("concat", T, SL_ALL_TYPES) {
  sl::Graph g;
  sl::Session sess(g);
  const auto av = make<T, 2>({2, 3}, 1);
  const auto bv = make<T, 2>({1, 3}, 2);
  const auto cv = make<T, 2>({2, 2}, 3);
  auto a = sl::constant<sl::shape<2, 3>>(g, av);
  auto b = sl::constant<sl::shape<1, 3>>(g, bv);
  auto c = sl::constant<sl::shape<2, 2>>(g, cv);
  SUBCASE("static shapes, two and three operands, negative axis, named") {
    auto r0 = sl::concat<0>(a, b, "cat");
    auto r1 = sl::concat<1>(a, c, a);
    auto r2 = sl::concat<-1>(c, a);
    auto one = sl::concat<0>(a);
    static_assert(std::is_same_v<decltype(r0), sl::Tensor<T, sl::shape<3, 3>>>);
    static_assert(std::is_same_v<decltype(r1), sl::Tensor<T, sl::shape<2, 8>>>);
    static_assert(std::is_same_v<decltype(r2), sl::Tensor<T, sl::shape<2, 5>>>);
    static_assert(std::is_same_v<decltype(one), sl::Tensor<T, sl::shape<2, 3>>>);
    CHECK(r0.op_name() == "cat");
    CHECK(g.at(r0.id()).op == "ConcatV2");
    CHECK(g.at(r2.id()).attr.template get<sl::axis_attrs>().axis == 1);
    auto [v0, v1, v2, v3] = sess.run(std::tuple{r0, r1, r2, one});
    CHECK(flat<T>(v0) == ref_concat2<T>(0, av, bv));
    CHECK(flat<T>(v1) == ref_concat2<T>(1, av, cv, av));
    CHECK(flat<T>(v2) == ref_concat2<T>(1, cv, av));
    CHECK(shape_vec(v1) == std::vector<std::size_t>{2, 8});
    CHECK(flat<T>(v3) == flat<T>(av));
  }
  SUBCASE("rank 3 along the middle axis") {
    const auto xv = make<T, 3>({2, 2, 3}, 4);
    const auto yv = make<T, 3>({2, 1, 3}, 5);
    auto r = sl::concat<1>(sl::constant<sl::shape<2, 2, 3>>(g, xv), sl::constant<sl::shape<2, 1, 3>>(g, yv));
    static_assert(std::is_same_v<decltype(r), sl::Tensor<T, sl::shape<2, 3, 3>>>);
    std::vector<T> want;
    for (std::size_t i = 0; i < 2; ++i) {
      want.insert(want.end(), xv.data() + i * 6, xv.data() + (i + 1) * 6);
      want.insert(want.end(), yv.data() + i * 3, yv.data() + (i + 1) * 3);
    }
    CHECK(flat<T>(sess.run(r)) == want);
  }
  SUBCASE("dynamic dimensions") {
    auto p = sl::placeholder<T, sl::shape<sl::dyn, 3>>(g, "p");
    auto q = sl::placeholder<T, sl::shape<sl::dyn, sl::dyn>>(g, "q");
    auto r = sl::concat<0>(p, a);
    auto s = sl::concat<1>(q, a, "cat_q");
    static_assert(std::is_same_v<decltype(r), sl::Tensor<T, sl::shape<sl::dyn, 3>>>);
    static_assert(std::is_same_v<decltype(s), sl::Tensor<T, sl::shape<2, sl::dyn>>>);
    const auto pv = make<T, 2>({4, 3}, 6);
    CHECK(flat<T>(sess.run(r, {{p, pv}})) == ref_concat2<T>(0, pv, av));
    const auto qv = make<T, 2>({2, 5}, 7);
    CHECK(flat<T>(sess.run(s, {{q, qv}})) == ref_concat2<T>(1, qv, av));
    CHECK_THROWS_WITH_AS(sess.run(s, {{q, make<T, 2>({3, 4})}}),
                         "ConcatOp : Dimensions of inputs should match: shape[0] = [3,4] vs. shape[1] = [2,3]",
                         sl::invalid_argument);
    try {
      sess.run(s, {{q, make<T, 2>({3, 4})}});
    } catch (const sl::error& e) {
      CHECK(e.node() == "cat_q");
    }
  }
}

TEST_CASE_TEMPLATE("slice", T, SL_ALL_TYPES) {
  sl::Graph g;
  sl::Session sess(g);
  const auto v = make<T, 3>({3, 4, 5});
  auto x = sl::constant<sl::shape<3, 4, 5>>(g, v);
  SUBCASE("static bounds; -1 runs to the end") {
    auto s = sl::slice<sl::offsets<1, 0, 2>, sl::sizes<2, -1, 3>>(x, "sl");
    static_assert(std::is_same_v<decltype(s), sl::Tensor<T, sl::shape<2, 4, 3>>>);
    CHECK(g.at(s.id()).op == "Slice");
    CHECK(g.at(s.id()).attr.template get<sl::slice_attrs>().begin == std::vector<std::int64_t>{1, 0, 2});
    CHECK(g.at(s.id()).attr.template get<sl::slice_attrs>().size == std::vector<std::int64_t>{2, -1, 3});
    std::vector<T> want;
    for (std::size_t i = 1; i < 3; ++i)
      for (std::size_t j = 0; j < 4; ++j)
        for (std::size_t k = 2; k < 5; ++k) want.push_back(v(i, j, k));
    const auto got = sess.run(s);
    CHECK(shape_vec(got) == std::vector<std::size_t>{2, 4, 3});
    CHECK(flat<T>(got) == want);
    auto whole = sl::slice<sl::offsets<0, 0, 0>, sl::sizes<-1, -1, -1>>(x);
    auto empty = sl::slice<sl::offsets<3, 0, 0>, sl::sizes<0, 4, 5>>(x);
    static_assert(std::is_same_v<decltype(whole), sl::Tensor<T, sl::shape<3, 4, 5>>>);
    static_assert(std::is_same_v<decltype(empty), sl::Tensor<T, sl::shape<0, 4, 5>>>);
    CHECK(flat<T>(sess.run(whole)) == flat<T>(v));
    CHECK(sess.run(empty).size() == 0);
  }
  SUBCASE("dynamic dimensions and run-time bounds errors") {
    auto p = sl::placeholder<T, sl::shape<sl::dyn, 4>>(g, "p");
    auto s = sl::slice<sl::offsets<1, 1>, sl::sizes<-1, 2>>(p, "tail");
    auto t = sl::slice<sl::offsets<0, 0>, sl::sizes<3, 4>>(p, "head");
    static_assert(std::is_same_v<decltype(s), sl::Tensor<T, sl::shape<sl::dyn, 2>>>);
    static_assert(std::is_same_v<decltype(t), sl::Tensor<T, sl::shape<3, 4>>>);
    const auto pv = make<T, 2>({5, 4}, 3);
    std::vector<T> want;
    for (std::size_t i = 1; i < 5; ++i)
      for (std::size_t j = 1; j < 3; ++j) want.push_back(pv(i, j));
    CHECK(flat<T>(sess.run(s, {{p, pv}})) == want);
    CHECK(shape_vec(sess.run(s, {{p, make<T, 2>({1, 4})}})) == std::vector<std::size_t>{0, 2});
    CHECK_THROWS_WITH_AS(sess.run(s, {{p, make<T, 2>({0, 4})}}), "Expected begin[0] in [0, 0], but got 1",
                         sl::invalid_argument);
    CHECK_THROWS_WITH_AS(sess.run(t, {{p, make<T, 2>({2, 4})}}), "Expected size[0] in [0, 2], but got 3",
                         sl::invalid_argument);
    try {
      sess.run(t, {{p, make<T, 2>({2, 4})}});
    } catch (const sl::error& e) {
      CHECK(e.node() == "head");
    }
  }
}
