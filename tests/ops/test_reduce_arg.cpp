// argmax / argmin against a reference loop per dtype; large reductions (the
// threaded paths) against the reference loop too.
#include <sessionlib/ops/reduce.hpp>
#include <sessionlib/session/session.hpp>

#include "test_reduce_util.hpp"

namespace sl = sessionlib;
using reducetest::kind;

namespace {

/// Reference argmax (IsMax) or argmin of a rank-3 array along `axis`; the first extreme wins.
template <class T>
xt::xtensor<std::int64_t, 2> ref_arg(const xt::xtensor<T, 3>& x, std::size_t axis, bool is_max) {
  std::array<std::size_t, 2> sh{};
  for (std::size_t i = 0, j = 0; i < 3; ++i)
    if (i != axis) sh[j++] = x.shape(i);
  xt::xtensor<std::int64_t, 2> out(sh);
  for (std::size_t a = 0; a < sh[0]; ++a)
    for (std::size_t b = 0; b < sh[1]; ++b) {
      auto at = [&](std::size_t k) {
        std::array<std::size_t, 3> idx{};
        for (std::size_t i = 0, j = 0; i < 3; ++i) idx[i] = i == axis ? k : (j++ == 0 ? a : b);
        return x(idx[0], idx[1], idx[2]);
      };
      std::size_t best = 0;
      for (std::size_t k = 1; k < x.shape(axis); ++k)
        if (is_max ? at(k) > at(best) : at(k) < at(best)) best = k;
      out(a, b) = static_cast<std::int64_t>(best);
    }
  return out;
}

}  // namespace

TEST_CASE_TEMPLATE("argmax and argmin match a reference loop on every axis", T, float, double, std::int32_t,
                   std::int64_t, std::uint8_t) {
  sl::Graph g;
  auto x = sl::placeholder<T, sl::shape<sl::dyn, 4, 5>>(g, "x");
  auto a0 = sl::argmax<0>(x);
  auto a1 = sl::argmax<1>(x);
  auto a2 = sl::argmin<-1>(x);
  auto a0n = sl::argmin(x);  // axis 0, as TF's default
  static_assert(std::is_same_v<decltype(a0), sl::Tensor<std::int64_t, sl::shape<4, 5>>>);
  static_assert(std::is_same_v<decltype(a1), sl::Tensor<std::int64_t, sl::shape<sl::dyn, 5>>>);
  static_assert(std::is_same_v<decltype(a2), sl::Tensor<std::int64_t, sl::shape<sl::dyn, 4>>>);
  CHECK(g.at(a0.id()).op == "ArgMax");
  CHECK(g.at(a2.id()).op == "ArgMin");
  // Few distinct values, so ties are common and the first index must win.
  const auto xv = mathtest::sample<T, 3>({6, 4, 5}, mathtest::low<T>(-2), 3, 9);
  sl::Session sess(g);
  auto [r0, r1, r2, r0n] = sess.run(std::tuple{a0, a1, a2, a0n}, {{x, xv}});
  CHECK(r0 == ref_arg(xv, 0, true));
  CHECK(r1 == ref_arg(xv, 1, true));
  CHECK(r2 == ref_arg(xv, 2, false));
  CHECK(r0n == ref_arg(xv, 0, false));
}

TEST_CASE("argmax over an empty axis fails with TF's message") {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 3>>(g, "x");
  auto a = sl::argmax<0>(x, "am");
  sl::Session sess(g);
  const xt::xtensor<float, 2> empty = xt::zeros<float>({0, 3});
  CHECK_THROWS_WITH_AS(sess.run(a, {{x, empty}}), "Reduction axis 0 is empty in shape [0,3]", sl::invalid_argument);
}

TEST_CASE_TEMPLATE("large reductions (split across threads) match the reference loop", T, float, std::int32_t) {
  sl::Graph g;
  auto x = sl::placeholder<T, sl::shape<sl::dyn, sl::dyn, sl::dyn>>(g, "x");
  // (3, 200, 150) = 90,000 elements, above the 64K threshold.
  const auto xv = mathtest::sample<T, 3>({3, 200, 150}, -4, 4, 11);
  const std::vector<std::size_t> in{3, 200, 150};
  const std::vector<T> data(xv.begin(), xv.end());
  struct item { std::string name; std::vector<int> axes; kind k; };
  const std::vector<item> items{
      {sl::reduce_sum(x).name(), {}, kind::sum},          // one long row: the deterministic tree
      {sl::reduce_sum<2>(x).name(), {2}, kind::sum},       // many rows
      {sl::reduce_mean<1>(x).name(), {1}, kind::mean},     // column tiles
      {sl::reduce_max<0, 2>(x).name(), {0, 2}, kind::max}, // the general path
      {sl::reduce_min<0, 1>(x).name(), {0, 1}, kind::min},
  };
  std::vector<std::string> names;
  for (const auto& it : items) names.push_back(it.name);
  names.push_back(sl::argmax<1>(x).name());
  sl::Session sess(g);
  for (int run = 0; run < 2; ++run) {  // the second run reuses buffers and must agree
    const std::vector<sl::any_array> got = sess.run(names, {{x, xv}});
    for (std::size_t i = 0; i < items.size(); ++i) {
      CAPTURE(items[i].name);
      reducetest::check<T>(got[i], reducetest::out_shape(in, items[i].axes, false),
                           reducetest::reduce(data, in, items[i].axes, items[i].k));
    }
    CHECK(got.back().as<std::int64_t, 2>() == ref_arg(xv, 1, true));
  }
}
