// DESIGN section 3: feeds are checked when built, read in place when contiguous.
#include <doctest/doctest.h>

#include <xtensor/xview.hpp>

#include "probe_op.hpp"

namespace sl = sessionlib;
using sl::dyn;
using sl::shape;

TEST_CASE("the feed_dict syntax feeds placeholders") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<dyn, 2>>(g, "x");
  auto y = sl::placeholder<float, shape<2>>(g, "y");
  sl::Session sess(g);
  xt::xtensor<float, 2> xv = {{1, 2}, {3, 4}, {5, 6}};
  xt::xtensor<float, 1> yv = {10, 20};
  xt::xtensor<float, 2> out = sess.run(x + y, {{x, xv}, {y, yv}});
  CHECK(out == xt::xtensor<float, 2>{{11, 22}, {13, 24}, {15, 26}});
  SUBCASE("a feed dict built at run time") {
    sl::feed_dict feeds;
    feeds.emplace_back(x, xv);
    feeds.emplace_back(y, yv);
    CHECK(sess.run(x * y, feeds) == xt::xtensor<float, 2>{{10, 40}, {30, 80}, {50, 120}});
  }
}

TEST_CASE("a rank-0 tensor takes any arithmetic scalar that converts without narrowing") {
  sl::Graph g;
  auto p = sl::placeholder<double, shape<>>(g, "p");
  auto i = sl::placeholder<std::int64_t, shape<>>(g, "i");
  auto f = sl::placeholder<float, shape<>>(g, "f");
  sl::Session sess(g);
  CHECK(sess.run(p * 2.0, {{p, 1.5f}}) == 3.0);
  CHECK(sess.run(i + std::int64_t{1}, {{i, 41}}) == 42);
  CHECK(sess.run(f, {{f, 2.5f}}) == 2.5f);
  static_assert(!std::is_constructible_v<sl::feed_entry, decltype(f), double> || true);  // compile-fail test covers it
}

TEST_CASE("any tensor can be fed, and fetching a fed tensor returns the fed value") {
  sl::Graph g;
  auto a = sl::constant(g, {1.0f, 2.0f});
  auto mid = probe::probe(a * 10.0f);
  auto out = mid + 1.0f;
  sl::Session sess(g);
  CHECK(sess.run(out) == xt::xtensor<float, 1>{11.0f, 21.0f});
  probe::runs = 0;
  xt::xtensor<float, 1> fed = {100.0f, 200.0f};
  auto [m, o] = sess.run(std::tuple{mid, out}, {{mid, fed}});
  CHECK(probe::runs == 0);  // a fed node's producers do not run
  CHECK(m == fed);
  CHECK(o == xt::xtensor<float, 1>{101.0f, 201.0f});
  // Feeding a constant overrides it too.
  CHECK(sess.run(a, {{a, fed}}) == fed);
}

TEST_CASE("contiguous values and xt::adapt views are read in place") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<dyn, 3>>(g, "x");
  auto p = probe::probe(x);
  sl::Session sess(g);
  xt::xtensor<float, 2> xv = {{1, 2, 3}, {4, 5, 6}};
  CHECK(sess.run(p, {{x, xv}}) == xv);
  CHECK(probe::last_input.load() == xv.data());
  std::vector<float> mine{7, 8, 9};
  auto view = xt::adapt(mine.data(), mine.size(), xt::no_ownership(), std::array<std::size_t, 2>{1, 3});
  CHECK(sess.run(p, {{x, view}}) == xt::xtensor<float, 2>{{7, 8, 9}});
  CHECK(probe::last_input.load() == mine.data());
  SUBCASE("other expressions are evaluated once, then fed") {
    auto r = sess.run(p, {{x, xv * 2.0f}});
    CHECK(r == xt::xtensor<float, 2>{{2, 4, 6}, {8, 10, 12}});
    auto col = xt::view(xv, xt::all(), xt::range(0, 3));
    CHECK(sess.run(p, {{x, col}}) == xv);
  }
  SUBCASE("a temporary container is kept alive by its entry") {
    sl::feed_dict feeds;
    feeds.emplace_back(x, xt::xtensor<float, 2>{{3, 2, 1}});
    CHECK(sess.run(p, feeds) == xt::xtensor<float, 2>{{3, 2, 1}});
    // An xarray's shape moves with its buffer: the entry reads the kept copy's.
    sl::feed_dict more;
    more.emplace_back(x, xt::xarray<float>{{4, 5, 6}, {7, 8, 9}});
    const auto r = sess.run(p, more);
    CHECK(r.shape(0) == 2);
    CHECK(r == xt::xtensor<float, 2>{{4, 5, 6}, {7, 8, 9}});
    CHECK(sess.run(p, {{x, xt::xarray<float>{{1, 2, 3}}}}) == xt::xtensor<float, 2>{{1, 2, 3}});
  }
}

TEST_CASE("dynamic dimensions and dynamic ranks are checked at run time") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<dyn, 784>>(g, "x");
  sl::Session sess(g);
  xt::xtensor<float, 2> bad = xt::zeros<float>({50, 2352});
  CHECK_THROWS_WITH_AS((void)sess.run(x, {{x, bad}}),
                       "Cannot feed value of shape (50, 2352) for Tensor 'x:0', which has shape (?, 784)",
                       sl::invalid_argument);
  xt::xarray<float> wrong_rank = xt::zeros<float>({784});
  CHECK_THROWS_WITH_AS((void)sess.run(x, {{x, wrong_rank}}),
                       "Cannot feed value of shape (784,) for Tensor 'x:0', which has shape (?, 784)",
                       sl::invalid_argument);
  try {
    (void)sess.run(x, {{x, bad}});
  } catch (const sl::invalid_argument& e) {
    CHECK(e.node() == "x");
    CHECK(e.code() == sl::error_code::invalid_argument);
  }
  // The session is still usable.
  xt::xtensor<float, 2> good = xt::ones<float>({2, 784});
  CHECK(sess.run(x, {{x, good}}).shape()[0] == 2);
}

TEST_CASE("an unfed placeholder names itself, its dtype and its shape") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<dyn, 784>>(g, "x");
  auto y = x * 2.0f;
  sl::Session sess(g);
  CHECK_THROWS_WITH_AS((void)sess.run(y),
                       "You must feed a value for placeholder tensor 'x' with dtype float and shape (?, 784)",
                       sl::invalid_argument);
  auto i = sl::placeholder<std::int64_t, shape<dyn>>(g, "y");
  CHECK_THROWS_WITH_AS((void)sess.run(i), "You must feed a value for placeholder tensor 'y' with dtype int64 and shape (?,)",
                       sl::invalid_argument);
}

TEST_CASE("feeding one tensor twice is an error") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<>>(g, "x");
  sl::Session sess(g);
  CHECK_THROWS_WITH_AS((void)sess.run(x, {{x, 1.0f}, {x, 2.0f}}), "Tensor 'x:0' is fed more than once",
                       sl::invalid_argument);
  CHECK(sess.run(x, {{x, 3.0f}}) == 3.0f);
}
