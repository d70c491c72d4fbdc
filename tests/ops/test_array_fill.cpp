// fill, zeros, ones, zeros_like, ones_like and range, for every dtype they take.
#include <doctest/doctest.h>

#include <sessionlib/ops/array_fill.hpp>
#include <sessionlib/session/session.hpp>

#include "array_test_util.hpp"

namespace sl = sessionlib;
using testutil::flat;
using testutil::make;
using testutil::shape_vec;

#define SL_ALL_TYPES float, double, std::int32_t, std::int64_t, std::uint8_t, bool

TEST_CASE_TEMPLATE("fill, zeros, ones", T, SL_ALL_TYPES) {
  sl::Graph g;
  sl::Session sess(g);
  const T seven = testutil::value_at<T>(1);  // a non-zero value of every dtype
  auto f = sl::fill<sl::shape<2, 3>>(g, seven);
  auto z = sl::zeros<T, sl::shape<4>>(g);
  auto o = sl::ones<T, sl::shape<2, 1, 2>>(g, "my_ones");
  auto s = sl::fill<sl::shape<>>(g, seven);
  static_assert(std::is_same_v<decltype(f), sl::Tensor<T, sl::shape<2, 3>>>);
  static_assert(std::is_same_v<decltype(z), sl::Tensor<T, sl::shape<4>>>);
  static_assert(std::is_same_v<decltype(o), sl::Tensor<T, sl::shape<2, 1, 2>>>);
  CHECK(g.at(f.id()).op == "Fill");
  CHECK(z.op_name() == "zeros");
  CHECK(o.op_name() == "my_ones");
  for (int run = 0; run < 2; ++run) {
    auto [rf, rz, ro, rs] = sess.run(std::tuple{f, z, o, s});
    CHECK(shape_vec(rf) == std::vector<std::size_t>{2, 3});
    CHECK(flat<T>(rf) == std::vector<T>(6, seven));
    CHECK(flat<T>(rz) == std::vector<T>(4, T{0}));
    CHECK(flat<T>(ro) == std::vector<T>(4, T{1}));
    CHECK(rs == seven);
  }
  SUBCASE("the default graph") {
    sl::Graph d;
    auto guard = d.as_default();
    auto dz = sl::zeros<T, sl::shape<2>>();
    auto df = sl::fill<sl::shape<2>>(seven);
    CHECK(&dz.graph() == &d);
    CHECK(&df.graph() == &d);
  }
}

TEST_CASE_TEMPLATE("zeros_like, ones_like take the run-time shape", T, SL_ALL_TYPES) {
  sl::Graph g;
  sl::Session sess(g);
  auto p = sl::placeholder<T, sl::shape<sl::dyn, 3>>(g, "p");
  auto z = sl::zeros_like(p);
  auto o = sl::ones_like(p, "o");
  static_assert(std::is_same_v<decltype(z), sl::Tensor<T, sl::shape<sl::dyn, 3>>>);
  static_assert(std::is_same_v<decltype(o), decltype(z)>);
  CHECK(g.at(z.id()).op == "ZerosLike");
  CHECK(g.at(o.id()).op == "OnesLike");
  for (std::size_t rows : {2u, 5u, 0u}) {
    auto [rz, ro] = sess.run(std::tuple{z, o}, {{p, make<T, 2>({rows, 3})}});
    CHECK(shape_vec(rz) == std::vector<std::size_t>{rows, 3});
    CHECK(flat<T>(rz) == std::vector<T>(rows * 3, T{0}));
    CHECK(flat<T>(ro) == std::vector<T>(rows * 3, T{1}));
  }
}

TEST_CASE_TEMPLATE("range", T, float, double, std::int32_t, std::int64_t) {
  sl::Graph g;
  sl::Session sess(g);
  auto reference = [](T start, T limit, T delta) {
    std::vector<T> out;
    if (delta > 0)
      for (T v = start; v < limit; v = static_cast<T>(v + delta)) out.push_back(v);
    else
      for (T v = start; v > limit; v = static_cast<T>(v + delta)) out.push_back(v);
    return out;
  };
  auto r1 = sl::range(g, T{0}, T{10}, T{3});
  auto r2 = sl::range(g, T{5});
  auto r3 = sl::range(g, T{7}, T{-2}, T{-2});
  auto r4 = sl::range(g, T{4}, T{4});
  static_assert(std::is_same_v<decltype(r1), sl::Tensor<T, sl::shape<sl::dyn>>>);
  CHECK(g.at(r1.id()).op == "Range");
  auto [v1, v2, v3, v4] = sess.run(std::tuple{r1, r2, r3, r4});
  CHECK(flat<T>(v1) == reference(0, 10, 3));
  CHECK(flat<T>(v2) == reference(0, 5, 1));
  CHECK(flat<T>(v3) == reference(7, -2, -2));
  CHECK(v4.size() == 0);

  SUBCASE("from scalar tensors fed at run time, with errors") {
    auto start = sl::placeholder<T>(g, "start");
    auto limit = sl::placeholder<T>(g, "limit");
    auto delta = sl::placeholder<T>(g, "delta");
    auto r = sl::range(start, limit, delta, "rng");
    CHECK(flat<T>(sess.run(r, {{start, T{1}}, {limit, T{9}}, {delta, T{2}}})) == reference(1, 9, 2));
    CHECK_THROWS_WITH_AS(sess.run(r, {{start, T{1}}, {limit, T{9}}, {delta, T{0}}}), "Requires delta != 0: 0",
                         sl::invalid_argument);
    CHECK_THROWS_WITH_AS(sess.run(r, {{start, T{5}}, {limit, T{1}}, {delta, T{1}}}),
                         "Requires start <= limit when delta > 0: 5/1", sl::invalid_argument);
    CHECK_THROWS_WITH_AS(sess.run(r, {{start, T{1}}, {limit, T{5}}, {delta, T{-1}}}),
                         "Requires start >= limit when delta < 0: 1/5", sl::invalid_argument);
    try {
      sess.run(r, {{start, T{1}}, {limit, T{9}}, {delta, T{0}}});
    } catch (const sl::error& e) {
      CHECK(e.node() == "rng");
    }
  }
}

TEST_CASE("range with a fractional float delta") {
  sl::Graph g;
  sl::Session sess(g);
  const auto r = sess.run(sl::range(g, 0.0f, 1.0f, 0.25f));
  CHECK(flat<float>(r) == std::vector<float>{0.0f, 0.25f, 0.5f, 0.75f});
}
