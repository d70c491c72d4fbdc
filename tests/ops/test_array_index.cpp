// gather and one_hot for every dtype they take, against plain reference loops.
#include <doctest/doctest.h>

#include <sessionlib/ops/array_index.hpp>
#include <sessionlib/session/session.hpp>

#include "array_test_util.hpp"

namespace sl = sessionlib;
using testutil::flat;
using testutil::make;
using testutil::shape_vec;

#define SL_ALL_TYPES float, double, std::int32_t, std::int64_t, std::uint8_t, bool

namespace {
template <class T>
struct typed_indices {
  template <class I>
  static void run() {
    sl::Graph g;
    sl::Session sess(g);
    const auto pv = make<T, 2>({5, 3});
    auto params = sl::constant<sl::shape<5, 3>>(g, pv);
    SUBCASE("axis 0, 1-D indices") {
      auto ids = sl::constant<sl::shape<4>>(g, xt::xtensor<I, 1>{4, 0, 2, 2});
      auto r = sl::gather(params, ids, "emb");
      static_assert(std::is_same_v<decltype(r), sl::Tensor<T, sl::shape<4, 3>>>);
      CHECK(g.at(r.id()).op == "GatherV2");
      std::vector<T> want;
      for (std::size_t i : {4, 0, 2, 2})
        for (std::size_t j = 0; j < 3; ++j) want.push_back(pv(i, j));
      CHECK(flat<T>(sess.run(r)) == want);
    }
    SUBCASE("axis 1, 2-D indices fed at run time") {
      auto ids = sl::placeholder<I, sl::shape<sl::dyn, 2>>(g, "ids");
      auto r = sl::gather<1>(params, ids, "cols");
      auto n = sl::gather<-1>(params, ids);
      static_assert(std::is_same_v<decltype(r), sl::Tensor<T, sl::shape<5, sl::dyn, 2>>>);
      static_assert(std::is_same_v<decltype(n), decltype(r)>);
      const xt::xtensor<I, 2> iv{{2, 0}, {1, 1}, {0, 2}};
      std::vector<T> want;
      for (std::size_t i = 0; i < 5; ++i)
        for (std::size_t k = 0; k < iv.size(); ++k) want.push_back(pv(i, static_cast<std::size_t>(iv.data()[k])));
      const auto got = sess.run(r, {{ids, iv}});
      CHECK(shape_vec(got) == std::vector<std::size_t>{5, 3, 2});
      CHECK(flat<T>(got) == want);
      CHECK(sess.run(n, {{ids, iv}}) == got);
      const xt::xtensor<I, 2> bad{{0, 1}, {3, 0}};
      CHECK_THROWS_WITH_AS(sess.run(r, {{ids, bad}}), "indices[1,0] = 3 is not in [0, 3)", sl::invalid_argument);
      try {
        sess.run(r, {{ids, bad}});
      } catch (const sl::error& e) {
        CHECK(e.node() == "cols");
      }
    }
    SUBCASE("out-of-range and negative indices") {
      auto ids = sl::placeholder<I, sl::shape<sl::dyn>>(g, "ids");
      auto r = sl::gather(params, ids);
      CHECK_THROWS_WITH_AS(sess.run(r, {{ids, xt::xtensor<I, 1>{0, 1, 2, 7}}}), "indices[3] = 7 is not in [0, 5)",
                           sl::invalid_argument);
      CHECK_THROWS_WITH_AS(sess.run(r, {{ids, xt::xtensor<I, 1>{-1}}}), "indices[0] = -1 is not in [0, 5)",
                           sl::invalid_argument);
      CHECK(sess.run(r, {{ids, xt::xtensor<I, 1>::from_shape({0})}}).size() == 0);
    }
  }
};
}  // namespace

TEST_CASE_TEMPLATE("gather with int32 indices", T, SL_ALL_TYPES) { typed_indices<T>::template run<std::int32_t>(); }
TEST_CASE_TEMPLATE("gather with int64 indices", T, SL_ALL_TYPES) { typed_indices<T>::template run<std::int64_t>(); }

TEST_CASE_TEMPLATE("one_hot", I, std::int32_t, std::int64_t, std::uint8_t) {
  sl::Graph g;
  sl::Session sess(g);
  auto labels = sl::placeholder<I, sl::shape<sl::dyn>>(g, "labels");
  auto oh = sl::one_hot<4>(labels);
  auto od = sl::one_hot<4, double>(labels, 5.0, -1.0, "oh");
  auto oi = sl::one_hot<3, std::int64_t>(labels);
  static_assert(std::is_same_v<decltype(oh), sl::Tensor<float, sl::shape<sl::dyn, 4>>>);
  static_assert(std::is_same_v<decltype(od), sl::Tensor<double, sl::shape<sl::dyn, 4>>>);
  static_assert(std::is_same_v<decltype(oi), sl::Tensor<std::int64_t, sl::shape<sl::dyn, 3>>>);
  CHECK(g.at(od.id()).op == "OneHot");
  CHECK(od.op_name() == "oh");
  const xt::xtensor<I, 1> lv{2, 0, 3, 9};  // 9 is out of range: a row of off values
  auto [rh, rd, ri] = sess.run(std::tuple{oh, od, oi}, {{labels, lv}});
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t d = 0; d < 4; ++d) {
      const bool hot = static_cast<std::size_t>(lv(i)) == d;
      CHECK(rh(i, d) == (hot ? 1.0f : 0.0f));
      CHECK(rd(i, d) == (hot ? 5.0 : -1.0));
      if (d < 3) CHECK(ri(i, d) == (hot ? 1 : 0));
    }
  SUBCASE("2-D indices") {
    auto l2 = sl::placeholder<I, sl::shape<2, 2>>(g, "l2");
    auto o2 = sl::one_hot<3>(l2);
    static_assert(std::is_same_v<decltype(o2), sl::Tensor<float, sl::shape<2, 2, 3>>>);
    const auto r = sess.run(o2, {{l2, xt::xtensor<I, 2>{{0, 1}, {2, 1}}}});
    CHECK(flat<float>(r) == std::vector<float>{1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0});
  }
}
