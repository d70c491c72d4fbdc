// The forms TF users write daily (issue 13): placeholder_with_default,
// make_callable and partial_run_setup without a feed list, eval(session) and
// op.run(session), InteractiveSession, RunMetadata replaced by each run and
// asked for without RunOptions, names as std::string_view / const char*, and
// an operation fetched by name.
#include "session_test.hpp"

#include <sessionlib/ops/control.hpp>
#include <sessionlib/ops/math.hpp>
#include <sessionlib/ops/reduce.hpp>
#include <sessionlib/session/into.hpp>

using sl::shape;

TEST_CASE("placeholder_with_default: the default unless fed; its shape, or a looser one stated") {
  sl::Graph g;
  auto d = sl::constant(g, {1.f, 2.f});
  auto p = sl::placeholder_with_default(d, "p");
  static_assert(std::is_same_v<decltype(p), sl::Tensor<float, shape<2>>>);
  CHECK(g.at(p.id()).op == "PlaceholderWithDefault");
  CHECK(p.name() == "p:0");
  auto loose = sl::placeholder_with_default<shape<sl::dyn>>(d);
  static_assert(std::is_same_v<decltype(loose), sl::Tensor<float, shape<sl::dyn>>>);
  auto n = sl::placeholder_with_default(g, 3);
  static_assert(std::is_same_v<decltype(n), sl::Tensor<int, shape<>>>);
  sl::Session sess(g);
  CHECK(sess.run(p * 2.f) == xt::xtensor<float, 1>{2, 4});
  CHECK(sess.run(p * 2.f, {{p, xt::xtensor<float, 1>{5, 6}}}) == xt::xtensor<float, 1>{10, 12});
  CHECK(sess.run(loose) == xt::xtensor<float, 1>{1, 2});
  auto three = sess.run(loose * 1.f, {{loose, xt::xtensor<float, 1>{7, 8, 9}}});
  CHECK(three.shape()[0] == 3);
  CHECK(three == xt::xtensor<float, 1>{7, 8, 9});
  CHECK(sess.run(n + 1) == 4);
  CHECK(sess.run(n + 1, {{n, 9}}) == 10);
  CHECK_THROWS_WITH_AS(sess.run(p, {{p, xt::xtensor<float, 1>{1, 2, 3}}}),
                       "Cannot feed value of shape (3,) for Tensor 'p:0', which has shape (2,)", sl::invalid_argument);
  // Two of one default are never merged: feeding one leaves the other its default.
  auto p2 = sl::placeholder_with_default(d);
  CHECK(sess.run(p + p2, {{p, xt::xtensor<float, 1>{10, 10}}}) == xt::xtensor<float, 1>{11, 12});
  // A default computed from a placeholder needs it only when not fed itself.
  auto x = sl::placeholder<float, shape<2>>(g, "x");
  auto px = sl::placeholder_with_default(x * 2.f);
  CHECK_THROWS_WITH_AS(sess.run(px), "You must feed a value for placeholder tensor 'x' with dtype float and shape (2,)",
                       sl::invalid_argument);
  CHECK(sess.run(px, {{x, xt::xtensor<float, 1>{1, 1}}}) == xt::xtensor<float, 1>{2, 2});
  CHECK(sess.run(px, {{px, xt::xtensor<float, 1>{0, 1}}}) == xt::xtensor<float, 1>{0, 1});
}

TEST_CASE("make_callable and partial_run_setup without a feed list") {
  sl::Graph g;
  auto a = sl::constant(g, 5.0f);
  auto c = a * 6.0f;
  sl::Variable<float, shape<2>> w(g, xt::xtensor<float, 1>{1, 2}, "w");
  auto m = w * 2.f;  // not folded: a traced run has steps
  sl::Session sess(g);
  (void)sess.run(w.initializer());
  auto f = sess.make_callable(c);
  static_assert(std::is_convertible_v<decltype(f), std::function<float()>>);
  CHECK(f() == 30.f);
  auto both = sess.make_callable(std::tuple{c, m});
  auto [cv, mv] = both();
  CHECK(cv == 30.f);
  CHECK(mv == xt::xtensor<float, 1>{2, 4});
  auto with_opts = sess.make_callable(m, sl::accept_options);
  sl::RunMetadata md;
  sl::RunOptions opts;
  opts.trace_level = sl::RunOptions::TraceLevel::full_trace;
  CHECK(with_opts(opts, &md) == xt::xtensor<float, 1>{2, 4});
  CHECK_FALSE(md.step_stats.empty());
  auto into = sess.make_callable(m, sl::into);
  xt::xtensor<float, 1> out;
  into(out);
  CHECK(out == xt::xtensor<float, 1>{2, 4});
  auto h = sess.partial_run_setup(std::tuple{c, m});
  CHECK(sess.partial_run(h, c) == 30.f);
  CHECK(sess.partial_run(h, m) == xt::xtensor<float, 1>{2, 4});
  CHECK_THROWS_WITH_AS(sess.partial_run(h, c), "The fetch mul:0 has already been fetched.", sl::invalid_argument);
  sess.close();
  CHECK_THROWS_AS(f(), sl::session_closed);
  CHECK_THROWS_AS(sess.make_callable(c), sl::session_closed);
}

TEST_CASE("eval(session) and op.run(session), as TF's eval(session=sess)") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<>>(g, "x");
  auto y = x * 3.f;
  sl::Variable<int, shape<>> v(g, 42, "v");
  auto init = sl::global_variables_initializer(g);
  auto bump = v.assign_add(sl::constant(g, 1));
  sl::Session sess(g);
  init.run(sess);
  CHECK(v.eval(sess) == 42);
  bump.op().run(sess);
  CHECK(v.eval(sess) == 43);
  CHECK(y.eval(sess, {{x, 2.f}}) == 6.f);
  CHECK_THROWS_WITH_AS(y.eval(sess), "You must feed a value for placeholder tensor 'x' with dtype float and shape ()",
                       sl::invalid_argument);
  // No default session is involved.
  CHECK_FALSE(sl::get_default_session().has_value());
  sl::Graph other;
  auto z = sl::constant(other, 1.f);
  CHECK_THROWS_WITH_AS(z.eval(sess), "Fetches must all come from the session's graph", sl::invalid_argument);
}

TEST_CASE("InteractiveSession installs itself as the default session until closed or destroyed") {
  sl::Graph g;
  auto c = sl::constant(g, 5.0f) * 6.0f;
  sl::Variable<int, shape<>> v(g, 7, "v");
  auto init = sl::global_variables_initializer(g);
  {
    sl::InteractiveSession sess(g);
    init.run();
    CHECK(c.eval() == 30.f);
    CHECK(v.eval() == 7);
    REQUIRE(sl::get_default_session().has_value());
    CHECK(sl::get_default_session()->impl() == sess.impl());
    {
      sl::Session inner(g);
      auto scope = inner.as_default();
      CHECK(sl::get_default_session()->impl() == inner.impl());
      CHECK_THROWS_WITH_AS(v.eval(), "Attempting to use uninitialized value v", sl::failed_precondition);
    }
    CHECK(v.eval() == 7);
    sess.close();
    CHECK_FALSE(sl::get_default_session().has_value());
    CHECK(sess.closed());
  }
  {
    sl::InteractiveSession sess(g);
    CHECK(sl::get_default_session()->impl() == sess.impl());
  }
  CHECK_FALSE(sl::get_default_session().has_value());
  CHECK_THROWS_WITH_AS(c.eval(),
                       "Cannot evaluate tensor using `eval()`: No default session is registered. Use `auto scope = "
                       "sess.as_default()` or pass the tensor to `sess.run()`",
                       sl::invalid_argument);
}

TEST_CASE("RunMetadata given to a second run is replaced, not appended to; asked for without RunOptions") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<sl::dyn>>(g, "x");
  auto y = sl::reduce_sum<0>(sl::exp(x) * 2.f);
  sl::Session sess(g);
  sl::RunOptions opts;
  opts.trace_level = sl::RunOptions::TraceLevel::full_trace;
  sl::RunMetadata md;
  const xt::xtensor<float, 1> big = xt::zeros<float>({100000}), small = {1, 2};
  sess.run(y, {{x, big}}, opts, &md);
  const std::size_t steps = md.step_stats.size();
  const std::size_t big_peak = md.peak_bytes;
  CHECK(steps > 0);
  CHECK(big_peak >= 400000);
  sess.run(y, {{x, small}}, opts, &md);
  CHECK(md.step_stats.size() == steps);
  CHECK(md.peak_bytes < 1000);
  // Without RunOptions: no trace, but the run's memory figures, replacing the last.
  CHECK(sess.run(y, {{x, small}}, &md) == doctest::Approx(2 * (std::exp(1.f) + std::exp(2.f))));
  CHECK(md.step_stats.empty());
  CHECK(md.peak_bytes > 0);
  CHECK(md.peak_bytes < 1000);
  sl::feed_dict fd;
  fd.emplace_back(x, big);
  sess.run(y, fd, &md);
  CHECK(md.peak_bytes >= 400000);
  // A callable taking options replaces it too.
  auto f = sess.make_callable(y, sl::feed_list(x), sl::accept_options);
  f(small, opts, &md);
  f(small, opts, &md);
  CHECK(md.step_stats.size() == steps);
}

TEST_CASE("names as std::string_view and const char*; an operation fetched by name is run and yields None") {
  sl::Graph g;
  auto a = sl::constant(g, 2.f, "a");
  (void)sl::multiply(a, a, "y");
  sl::Variable<int, shape<>> v(g, 1, "v");
  (void)sl::global_variables_initializer(g);  // "init"
  (void)v.assign_add(sl::constant(g, 10), "bump");
  sl::Session sess(g);
  const std::string_view name = "y:0";
  sl::any_array r = sess.run(name);
  CHECK(r.dtype() == sl::dtype::float32);
  CHECK(r.scalar<float>() == 4.f);
  const char* cname = "y:0";
  CHECK(sess.run(cname).scalar<float>() == 4.f);
  // "init" has no output: run for its effect, TF's None (an empty any_array).
  sl::any_array none = sess.run("init");
  CHECK(none.empty_handle());
  CHECK(sess.run(v) == 1);
  auto [y_op, bumped, value] = sess.run(std::tuple{std::string_view("y"), std::string("bump"), v});
  CHECK(y_op.empty_handle());  // "y" without ":0" is the operation, as in TF
  CHECK(bumped.empty_handle());
  CHECK(sess.run(v) == 11);
  (void)value;
  std::vector<std::string_view> names = {"y:0", "y"};
  auto both = sess.run(names);
  CHECK(both[0].scalar<float>() == 4.f);
  CHECK(both[1].empty_handle());
  CHECK_THROWS_WITH_AS(sess.run(std::string_view("nope")), "The name 'nope' refers to a Tensor which does not exist.",
                       sl::not_found);
  CHECK_THROWS_WITH_AS(sess.run("init:0"), "The name 'init:0' refers to a Tensor which does not exist.",
                       sl::not_found);
}

TEST_CASE("make_callable with a run-time-length feed list: a std::vector of tensors, a std::vector of values") {
  sl::Graph g;
  std::vector<sl::Tensor<float, shape<2>>> xs;
  for (int i = 0; i < 4; ++i) {
    std::string name = "x";  // (appended: g++ 12 -O3 warns falsely, -Wrestrict, on "x" + std::to_string(i))
    name += std::to_string(i);
    xs.push_back(sl::placeholder<float, shape<2>>(g, name));
  }
  auto sum = xs[0] + xs[1] * 2.f + xs[2] * 3.f + xs[3] * 4.f;
  sl::Session sess(g);
  auto f = sess.make_callable(sum, sl::feed_list(xs));
  static_assert(std::is_convertible_v<decltype(f), std::function<xt::xtensor<float, 1>(
                                                       const std::vector<xt::xtensor<float, 1>>&)>>);
  const std::vector<xt::xtensor<float, 1>> vals = {{1, 1}, {1, 2}, {1, 3}, {1, 4}};
  CHECK(f(vals) == xt::xtensor<float, 1>{10, 30});
  CHECK(f(vals) == xt::xtensor<float, 1>{10, 30});
  CHECK_THROWS_WITH_AS(f(std::vector<xt::xtensor<float, 1>>{{1, 1}}),
                       "The callable takes 4 values (one per fed tensor), but was given 1", sl::invalid_argument);
  CHECK_THROWS_WITH_AS(f(std::vector<xt::xtensor<float, 1>>{{1, 1}, {1, 2, 3}, {1, 3}, {1, 4}}),
                       "Cannot feed value of shape (3,) for Tensor 'x1:0', which has shape (2,)", sl::invalid_argument);
  // Scalars: a std::vector<T>.
  std::vector<sl::Tensor<double, shape<>>> ps = {sl::placeholder<double, shape<>>(g, "p0"),
                                                 sl::placeholder<double, shape<>>(g, "p1")};
  auto fp = sess.make_callable(std::tuple{ps[0] - ps[1], ps[1]}, sl::feed_list(ps));
  auto [d, p1] = fp(std::vector<double>{5.0, 2.0});
  CHECK(d == 3.0);
  CHECK(p1 == 2.0);
  // Duplicates are refused as with a fixed feed list.
  std::vector<sl::Tensor<double, shape<>>> twice = {ps[0], ps[0]};
  CHECK_THROWS_WITH_AS(sess.make_callable(ps[0], sl::feed_list(twice)), "Tensor 'p0:0' is fed more than once",
                       sl::invalid_argument);
}

TEST_CASE("TF's 200-step partial run: a std::vector of inputs and of outputs") {
  constexpr int steps = 200;
  sl::Graph g;
  std::vector<sl::Tensor<float, shape<>>> inputs, outputs;
  auto a = sl::constant(g, 2.0f);
  for (int i = 0; i < steps; ++i) {
    inputs.push_back(sl::placeholder<float, shape<>>(g));
    a = a * inputs.back();
    outputs.push_back(a);
  }
  sl::Session sess(g);
  auto h = sess.partial_run_setup(outputs, sl::feed_list(inputs));
  for (int i = 0; i < steps; ++i) {
    const float r = sess.partial_run(h, outputs[i], {{inputs[i], 1.0f}});
    CHECK(r == 2.0f);
  }
  auto h2 = sess.partial_run_setup(outputs, sl::feed_list(inputs));
  CHECK_THROWS_WITH_AS(sess.partial_run(h2, outputs[1], {{inputs[0], 1.0f}}),
                       "Fetch mul_1:0 can't be computed from the feeds that have been fed so far.",
                       sl::invalid_argument);
}

TEST_CASE("a placeholder of unknown rank: fed any rank (an xt::xarray), fetched as an sl::any_array") {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::unknown_rank>(g, "x");
  static_assert(std::is_same_v<decltype(x), sl::UnknownRankTensor<float>>);
  CHECK(x.name() == "x:0");
  CHECK(g.at(x.id()).op == "Placeholder");
  CHECK(g.at(x.id()).unknown_rank);
  auto c = sl::constant(g, 1.f);
  sl::Session sess(g);
  const xt::xarray<float> v2 = {{1, 2}, {3, 4}};
  sl::any_array r = sess.run(x, {{x, v2}});
  static_assert(std::is_same_v<sl::fetch_result_t<decltype(x)>, sl::any_array>);
  CHECK(r.dtype() == sl::dtype::float32);
  CHECK(r.shape() == sl::dims{2, 2});
  CHECK(r.as<float, 2>() == xt::xtensor<float, 2>{{1, 2}, {3, 4}});
  const xt::xarray<float> v3 = xt::ones<float>({2, 3, 4});
  r = sess.run(x, {{x, v3}});
  CHECK(r.shape() == sl::dims{2, 3, 4});
  CHECK(r.as<float, 3>() == xt::ones<float>({2, 3, 4}));
  r = sess.run(x, {{x, 2.5f}});  // the fed 2.5f is a temporary: the result is a copy
  CHECK(r.rank() == 0);
  CHECK(r.scalar<float>() == 2.5f);
  // A type-erased result never views the caller's memory: changing the fed array after the run leaves it.
  xt::xarray<float> fed = {1.f, 2.f};
  const sl::any_array kept = sess.run(x, {{x, fed}});
  const sl::any_array by_name = sess.run(std::string("x:0"), {{x, fed}});
  fed(0) = 9.f;
  CHECK(kept.as<float, 1>() == xt::xtensor<float, 1>{1, 2});
  CHECK(by_name.as<float, 1>() == xt::xtensor<float, 1>{1, 2});
  r = sess.run(x, {{x, xt::xtensor<float, 1>{7, 8, 9}}});
  CHECK(r.as<float, 1>() == xt::xtensor<float, 1>{7, 8, 9});
  auto [xv, cv] = sess.run(std::tuple{x, c}, {{"x:0", v2}});
  CHECK(xv.shape() == sl::dims{2, 2});
  CHECK(cv == 1.f);
  CHECK(sess.run(std::string("x:0"), {{x, v3}}).shape() == sl::dims{2, 3, 4});
  CHECK_THROWS_WITH_AS(sess.run(x), "You must feed a value for placeholder tensor 'x' with dtype float",
                       sl::invalid_argument);
  CHECK_THROWS_WITH_AS(sess.run(x, {{"x:0", xt::xarray<double>{1.0}}}),
                       "Cannot feed value of dtype float64 for Tensor 'x:0', which has dtype float32",
                       sl::invalid_argument);
}

TEST_CASE("sl::container and Session::reset(target, containers): the named containers' variables lose their values") {
  sl::Graph g;
  sl::Variable<float, shape<2>> plain(g, sl::init::constant<float>(1.f), "plain");
  std::optional<sl::Variable<float, shape<>>> a, b, nested;
  {
    auto in_a = sl::container(g, "stage_a");
    a.emplace(g, sl::init::constant<float>(2.f), "a");
    {
      auto in_b = g.container("stage_b");
      b.emplace(g, sl::init::constant<float>(3.f), "b");
    }
    nested.emplace(g, sl::init::constant<float>(4.f), "a2");  // back in stage_a
  }
  const auto container_of = [&](sl::node_id id) { return g.at(id).attr.get<sl::variable_attrs>().container; };
  CHECK(container_of(plain.id()) == "");
  CHECK(container_of(a->id()) == "stage_a");
  CHECK(container_of(b->id()) == "stage_b");
  CHECK(container_of(nested->id()) == "stage_a");

  sl::Session s1(g), s2(g);
  for (auto* s : {&s1, &s2}) s->run(sl::global_variables_initializer(g));
  sl::Session::reset("", {"stage_a"});
  for (auto* s : {&s1, &s2}) {
    CHECK_THROWS_WITH_AS(s->run(*a), "Attempting to use uninitialized value a", sl::failed_precondition);
    CHECK_THROWS_WITH_AS(s->run(*nested), "Attempting to use uninitialized value a2", sl::failed_precondition);
    CHECK(s->run(*b) == 3.f);
    CHECK(s->run(plain) == xt::xtensor<float, 1>{1.f, 1.f});
  }
  CHECK(s1.run(sl::report_uninitialized_variables(g)).size() == 2);
  s1.run(a->initializer());  // the session stays usable: an initializer brings the value back
  CHECK(s1.run(*a) == 2.f);
  sl::Session::reset("", {""});  // the default container
  CHECK_THROWS_AS(s1.run(plain), sl::failed_precondition);
  CHECK(s1.run(*b) == 3.f);
  sl::Session::reset();  // every container
  CHECK_THROWS_AS(s2.run(*b), sl::failed_precondition);
  // Another target's sessions are not touched; a target no engine serves is Session's error.
  sl::Session s3(g);
  s3.run(sl::global_variables_initializer(g));
  CHECK_THROWS_WITH_AS(sl::Session::reset("grpc://localhost:2222"),
                       doctest::Contains("No session factory registered for the given session options"),
                       sl::unimplemented);
  CHECK(s3.run(*b) == 3.f);
}
