// The string dtype (issue 14): placeholders, constants, identity, reshape,
// feeds and fetches as xt::xtensor<std::string, N>, queues of strings, and the
// runtime's care for non-trivially-copyable buffers.
#include <doctest/doctest.h>

#include <sessionlib/input.hpp>  // the queues carrying strings

#include <string>
#include <tuple>

namespace sl = sessionlib;

static_assert(sl::Element<std::string> && sl::StringElement<std::string>);
static_assert(!sl::Numeric<std::string> && !sl::TrivialElement<std::string>);
static_assert(sl::dtype_of<std::string> == sl::dtype::string);
static_assert(sl::dtype_name(sl::dtype::string) == "string");

TEST_CASE("any_array holds constructed strings: copies share, clones copy, ensure keeps kinds apart") {
  sl::any_array a(sl::dtype::string, sl::dims{3});
  CHECK(a.dtype() == sl::dtype::string);
  CHECK(a.data<std::string>()[1].empty());
  a.data<std::string>()[0] = std::string(100, 'x');  // beyond the small-string buffer
  a.data<std::string>()[2] = "z";
  sl::any_array shared = a;
  CHECK(shared.data<std::string>() == a.data<std::string>());
  sl::any_array deep = a.clone();
  CHECK(deep.data<std::string>() != a.data<std::string>());
  CHECK(deep.data<std::string>()[0] == std::string(100, 'x'));
  CHECK(deep.data<std::string>()[2] == "z");
  auto x = deep.as<std::string, 1>();
  CHECK(x.shape(0) == 3);
  CHECK(x(2) == "z");
  // A string buffer is not reused for floats, nor a float buffer for strings.
  sl::any_array f(sl::dtype::float32, sl::dims{64});
  const void* fbuf = f.raw();
  f.ensure(sl::dtype::string, sl::dims{2});
  CHECK(f.raw() != fbuf);
  f.data<std::string>()[0] = "ok";
  const void* sbuf = f.raw();
  f.ensure(sl::dtype::string, sl::dims{1});
  CHECK(f.raw() == sbuf);  // strings reuse a string buffer
  f.ensure(sl::dtype::int32, sl::dims{1});
  CHECK(f.raw() != sbuf);
  CHECK_THROWS_AS(sl::visit_dtype(sl::dtype::string, []<class T>() {}), sl::unimplemented);
}

TEST_CASE("string placeholders and constants are fed and fetched as xtensor arrays of std::string") {
  sl::Graph g;
  auto s = sl::placeholder<std::string, sl::shape<sl::dyn>>(g, "s");
  auto c = sl::constant(g, "hello");
  static_assert(std::is_same_v<decltype(c), sl::Tensor<std::string, sl::shape<>>>);
  auto same = sl::identity(s);
  auto grid = sl::reshape<sl::shape<2, 2>>(s);
  sl::Session sess(g);
  std::string hello = sess.run(c);
  CHECK(hello == "hello");
  xt::xtensor<std::string, 1> v = {"a", std::string(40, 'b'), "", "d"};
  auto [out, g2] = sess.run(std::tuple{same, grid}, {{s, v}});
  static_assert(std::is_same_v<decltype(out), xt::xtensor<std::string, 1>>);
  CHECK(out == v);
  REQUIRE(g2.shape(0) == 2);
  CHECK(g2(1, 0) == "");
  CHECK(g2(0, 1) == std::string(40, 'b'));
  // A fetched feed comes back as the value fed; twice in one structure.
  auto [f1, f2] = sess.run(std::tuple{s, s}, {{s, v}});
  CHECK(f1 == v);
  CHECK(f2 == v);
  // Again, with a temporary and another length: buffers are not reused unsafely.
  for (int i = 0; i < 3; ++i) {
    xt::xtensor<std::string, 1> r = sess.run(same, {{s, xt::xtensor<std::string, 1>{"x" + std::to_string(i), "yy"}}});
    REQUIRE(r.size() == 2);
    CHECK(r(0) == "x" + std::to_string(i));
  }
  CHECK_THROWS_WITH_AS(sess.run(same), "You must feed a value for placeholder tensor 's' with dtype string and shape (?,)",
                       sl::invalid_argument);
  // A fetch by name yields an any_array of dtype string.
  sl::any_array byname = sess.run(std::string("s:0"), {{s, v}});
  CHECK(byname.dtype() == sl::dtype::string);
  CHECK(byname.as<std::string, 1>() == v);
}

TEST_CASE("string constants from xtensor arrays and C arrays; common subexpressions compare the strings") {
  sl::Graph g;
  auto a = sl::constant(g, xt::xtensor<std::string, 1>{"p", "q"});
  const std::string lit[2] = {"p", "r"};
  auto b = sl::constant(g, lit);
  static_assert(std::is_same_v<decltype(b), sl::Tensor<std::string, sl::shape<2>>>);
  auto ia = sl::identity(a);
  auto ib = sl::identity(b);
  sl::Session sess(g);
  auto [x, y] = sess.run(std::tuple{ia, ib});
  CHECK(x == xt::xtensor<std::string, 1>{"p", "q"});
  CHECK(y == xt::xtensor<std::string, 1>{"p", "r"});  // not merged with a: the strings differ
}

TEST_CASE("a scalar string is fed from a std::string or a literal") {
  sl::Graph g;
  auto s = sl::placeholder<std::string>(g, "s");
  auto t = sl::identity(s);
  sl::Session sess(g);
  CHECK(sess.run(t, {{s, std::string("abc")}}) == "abc");
  CHECK(sess.run(t, {{s, "lit"}}) == "lit");
  CHECK(sess.run(t, {{"s:0", std::string("named")}}) == "named");
}

TEST_CASE("queues carry strings: enqueue, dequeue, enqueue_many, dequeue_many, padding") {
  sl::Graph g;
  auto name = sl::placeholder<std::string>(g, "name");
  auto names = sl::placeholder<std::string, sl::shape<sl::dyn>>(g, "names");
  auto n = sl::placeholder<std::int64_t>(g, "n");
  sl::FIFOQueue<std::tuple<std::string, std::int64_t>, std::tuple<sl::shape<>, sl::shape<>>> q(g, 10);
  auto enq = q.enqueue(std::tuple{name, n});
  auto [dn, dv] = q.dequeue();
  sl::FIFOQueue<std::string, sl::shape<>> q2(g, 10);
  auto enq_many = q2.enqueue_many(names);
  auto batch = q2.dequeue_many(3);
  sl::Session sess(g);
  const std::string long_name(64, 'n');
  sess.run(enq, {{name, long_name}, {n, std::int64_t{7}}});
  sess.run(enq, {{name, "b"}, {n, std::int64_t{8}}});
  auto [s0, v0] = sess.run(std::tuple{dn, dv});
  CHECK(s0 == long_name);
  CHECK(v0 == 7);
  CHECK(sess.run(dn) == "b");
  sess.run(enq_many, {{names, xt::xtensor<std::string, 1>{"f1", std::string(50, 'f'), "f3", "f4"}}});
  xt::xtensor<std::string, 1> got = sess.run(batch);
  CHECK(got == xt::xtensor<std::string, 1>{"f1", std::string(50, 'f'), "f3"});

  sl::PaddingFIFOQueue<std::string, sl::shape<sl::dyn>> pq(g, 10);
  auto penq = pq.enqueue(names);
  auto pbatch = pq.dequeue_many(2);
  sess.run(penq, {{names, xt::xtensor<std::string, 1>{"a"}}});
  sess.run(penq, {{names, xt::xtensor<std::string, 1>{"b", "c"}}});
  xt::xtensor<std::string, 2> padded = sess.run(pbatch);
  REQUIRE(padded.shape(1) == 2);
  CHECK(padded(0, 0) == "a");
  CHECK(padded(0, 1) == "");  // padded with empty strings, as TF pads
  CHECK(padded(1, 1) == "c");
}

TEST_CASE("strings through make_callable, run_into and partial_run") {
  sl::Graph g;
  auto s = sl::placeholder<std::string, sl::shape<sl::dyn>>(g, "s");
  auto t = sl::reshape<sl::shape<sl::dyn, 2>>(sl::identity(s));
  sl::Session sess(g);
  auto call = sess.make_callable(t, sl::feed_list(s));
  for (int i = 0; i < 3; ++i) {
    xt::xtensor<std::string, 1> v = {std::string(30 + i, 'a'), "b", "c", std::to_string(i)};
    xt::xtensor<std::string, 2> r = call(v);
    REQUIRE(r.shape(0) == 2);
    CHECK(r(1, 1) == std::to_string(i));
    CHECK(r(0, 0) == std::string(30 + i, 'a'));
  }
  xt::xtensor<std::string, 2> into = xt::xtensor<std::string, 2>::from_shape({2, 2});
  sess.run_into(into, t, {{s, xt::xtensor<std::string, 1>{"w", "x", "y", "z"}}});
  CHECK(into(1, 0) == "y");
  auto h = sess.partial_run_setup(std::tuple{t}, sl::feed_list(s));
  xt::xtensor<std::string, 2> p = sess.partial_run(h, t, {{s, xt::xtensor<std::string, 1>{"1", "2", "3", "4"}}});
  CHECK(p(0, 1) == "2");
}
