// The hidden kernel families over dtypes other than float and double. This unit,
// like every test unit, is built with -DSESSIONLIB_SEPARATE: it sees those
// kernels declared only, so each one it names must come from the library
// (runtime/kernels/instances.hpp); one missing would fail to link.
#include <doctest/doctest.h>

#include <cstdint>
#include <tuple>

#include <sessionlib/sessionlib.hpp>

namespace sl = sessionlib;

TEST_CASE("layout, split, matmul and nn kernels over int32, int64, uint8 and bool") {
  sl::Graph g;
  sl::Session sess(g);
  const std::int32_t av[2][3] = {{1, 2, 3}, {4, 5, 6}};
  auto a = sl::constant(g, av);
  auto t = sl::transpose(a);                        // int32 transpose
  auto m = sl::matmul(a, t);                        // int32 matmul
  auto parts = sl::split<3, 1>(a);                  // int32 split
  auto st = sl::stack<0>(parts[0], parts[2]);       // int32 pack
  auto [top, top_at] = sl::nn::top_k<1>(a);         // int32 top_k
  const std::int64_t bias_v[3] = {10, 20, 30};
  const std::int64_t bv[2][3] = {{1, 1, 1}, {2, 2, 2}};
  auto b = sl::nn::bias_add(sl::constant(g, bv), sl::constant(g, bias_v));  // int64 bias_add
  const bool flags_v[3] = {true, false, true};
  const std::int32_t ids_v[2] = {2, 1};
  auto picked = sl::gather(sl::constant(g, flags_v), sl::constant(g, ids_v));  // bool gather
  const std::uint8_t cls_v[2] = {0, 2};
  auto hot = sl::one_hot<3, std::int64_t>(sl::constant(g, cls_v));            // uint8 indices, int64 values
  auto [rt, rm, rs, rtop, rb, rp, rh] = sess.run(std::tuple{t, m, st, top, b, picked, hot});
  CHECK(rt(2, 1) == 6);
  CHECK(rm(0, 0) == 14);
  CHECK(rm(1, 1) == 77);
  CHECK(rs(1, 1, 0) == 6);
  CHECK(rtop(1, 0) == 6);
  CHECK(rb(1, 2) == 32);
  CHECK(rp(0) == true);
  CHECK(rp(1) == false);
  CHECK(rh(1, 2) == 1);
  CHECK(rh(1, 0) == 0);
}

TEST_CASE("variable updates and uniform random over integer dtypes") {
  sl::Graph g;
  sl::Variable<std::int64_t, sl::shape<2>> v(g, sl::init::zeros<std::int64_t>(), "v");
  const std::int64_t one[2] = {1, 2};
  auto add = v.assign_add(sl::constant(g, one));                               // int64 assign_add
  auto r = sl::random_uniform<std::int32_t, sl::shape<4>>(g, 3, 7, 1);         // int32 uniform
  sl::Session sess(g);
  sess.run(sl::global_variables_initializer(g));
  sess.run(add);
  auto [rv, rr] = sess.run(std::tuple{add, r});
  CHECK(rv(0) == 2);
  CHECK(rv(1) == 4);
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(rr(i) >= 3);
    CHECK(rr(i) < 7);
  }
}
