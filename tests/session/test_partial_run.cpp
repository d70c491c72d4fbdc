// partial_run_setup / partial_run: TF's rules and messages, kept intermediate
// values, interleaved handles.
#include "session_test.hpp"

TEST_CASE("DESIGN: partial run of r1 then r2, r1 not computed again") {
  sl::Graph g;
  auto p = sl::placeholder<float, sl::shape<>>(g, "p"), q = sl::placeholder<float, sl::shape<>>(g, "q");
  sl::Variable<float, sl::shape<>> count(g, 0.0f, "count");
  // r1 counts its evaluations: it is p + q + 0 * (count += 1).
  auto r1 = p + q + count.assign_add(1.0f) * 0.0f;
  auto r2 = r1 * p;
  sl::Session sess(g);
  sess.run(count.initializer());
  auto h = sess.partial_run_setup(std::tuple{r1, r2}, sl::feed_list(p, q));
  float s1 = sess.partial_run(h, r1, {{p, 1.f}, {q, 2.f}});
  CHECK(s1 == 3.0f);
  float s2 = sess.partial_run(h, r2);
  CHECK(s2 == 3.0f);
  CHECK(sess.run(count) == 1.0f);  // r1 ran once for both steps
}

TEST_CASE("partial run errors: TF's rules and wording") {
  sl::Graph g;
  auto p = sl::placeholder<float, sl::shape<>>(g, "p"), q = sl::placeholder<float, sl::shape<>>(g, "q");
  auto other = sl::placeholder<float, sl::shape<>>(g, "other");
  auto r1 = p + q;
  auto r2 = r1 * p;
  auto r3 = r1 - 1.0f;
  sl::Session sess(g);
  auto h = sess.partial_run_setup(std::tuple{r1, r2}, sl::feed_list(p, q));

  CHECK_THROWS_WITH_AS(sess.partial_run(h, r1, {{other, 1.f}}),
                       "The feed other:0 was not specified in partial_run_setup.", sl::invalid_argument);
  CHECK_THROWS_WITH_AS(sess.partial_run(h, r3, {{p, 1.f}}), "The fetch sub:0 was not specified in partial_run_setup.",
                       sl::invalid_argument);
  CHECK_THROWS_WITH_AS(sess.partial_run(h, r2, {{p, 1.f}}),
                       "Fetch mul:0 can't be computed from the feeds that have been fed so far.",
                       sl::invalid_argument);
  // The failed calls changed nothing: p can still be fed.
  CHECK(sess.partial_run(h, std::tuple{}, {{p, 2.f}}) == std::tuple<>{});
  CHECK_THROWS_WITH_AS(sess.partial_run(h, std::tuple{}, {{p, 2.f}}), "The feed p:0 has already been fed.",
                       sl::invalid_argument);
  CHECK(sess.partial_run(h, r2, {{q, 3.f}}) == 10.0f);
  CHECK_THROWS_WITH_AS(sess.partial_run(h, r2), "The fetch mul:0 has already been fetched.", sl::invalid_argument);
  CHECK(sess.partial_run(h, r1) == 5.0f);

  SUBCASE("a handle of another session") {
    sl::Session other_sess(g);
    CHECK_THROWS_AS(other_sess.partial_run(h, r1), sl::invalid_argument);
  }
  SUBCASE("a closed session") {
    sess.close();
    auto h2 = std::move(h);
    CHECK_THROWS_WITH_AS(sess.partial_run(h2, r1), "Attempted to use a closed Session.", sl::session_closed);
    CHECK_THROWS_AS(sess.partial_run_setup(r1, sl::feed_list(p)), sl::session_closed);
  }
}

TEST_CASE("interleaved partial runs keep their own values; fed tensors fetch their fed value") {
  sl::Graph g;
  auto x = sl::placeholder<double, sl::shape<2>>(g, "x");
  auto y = x * 2.0;
  auto z = y + x;
  sl::Session sess(g);
  auto h1 = sess.partial_run_setup(std::tuple{x, y, z}, sl::feed_list(x));
  auto h2 = sess.partial_run_setup(std::tuple{y, z}, sl::feed_list(x));
  sess.partial_run(h1, std::tuple{}, {{x, xt::xtensor<double, 1>{1, 2}}});
  CHECK(sess.partial_run(h2, y, {{x, xt::xtensor<double, 1>{10, 20}}}) == xt::xtensor<double, 1>{20, 40});
  CHECK(sess.partial_run(h1, y) == xt::xtensor<double, 1>{2, 4});
  CHECK(sess.partial_run(h1, x) == xt::xtensor<double, 1>{1, 2});
  CHECK(sess.partial_run(h2, z) == xt::xtensor<double, 1>{30, 60});
  CHECK(sess.partial_run(h1, z) == xt::xtensor<double, 1>{3, 6});
  // Plain runs are untouched by the partial runs around them.
  CHECK(sess.run(z, {{x, xt::xtensor<double, 1>{1, 1}}}) == xt::xtensor<double, 1>{3, 3});
}
