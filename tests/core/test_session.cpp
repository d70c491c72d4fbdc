// DESIGN section 4 for the session core: closing, errors leave it usable.
#include <doctest/doctest.h>

#include <sessionlib/ops/arithmetic.hpp>
#include <sessionlib/session/session.hpp>

namespace sl = sessionlib;
using sl::dyn;
using sl::shape;

TEST_CASE("c = a * b of 5 and 6 is 30") {
  sl::Graph g;
  auto a = sl::constant(g, 5.0f);
  auto b = sl::constant(g, 6.0f);
  auto c = a * b;
  static_assert(std::is_same_v<decltype(c), sl::Tensor<float, shape<>>>);
  sl::Session sess(g);
  float v = sess.run(c);
  CHECK(v == 30.0f);
}

TEST_CASE("a closed session refuses to run; RAII closes it") {
  sl::Graph g;
  auto a = sl::constant(g, 1.0f);
  sl::Session sess(g);
  CHECK(sess.run(a) == 1.0f);
  sess.close();
  CHECK(sess.closed());
  CHECK_THROWS_WITH_AS((void)sess.run(a), "Attempted to use a closed Session.", sl::session_closed);
  try {
    (void)sess.run(a);
  } catch (const sl::error& e) {
    CHECK(e.code() == sl::error_code::cancelled);
  }
}

TEST_CASE("every error derives from sl::error, a std::runtime_error, with a code and a node") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<dyn, 2>>(g, "x");
  auto y = sl::placeholder<float, shape<dyn, 2>>(g, "y");
  auto z = x + y;
  sl::Session sess(g);
  xt::xtensor<float, 2> a = xt::ones<float>({2, 2}), b = xt::ones<float>({3, 2});
  try {
    (void)sess.run(z, {{x, a}, {y, b}});
    FAIL("expected an error");
  } catch (const std::runtime_error& e) {
    const auto* err = dynamic_cast<const sl::error*>(&e);
    REQUIRE(err != nullptr);
    CHECK(std::string(e.what()) == "Incompatible shapes: [2,2] vs. [3,2]");
    CHECK(err->node() == z.op_name());
    CHECK(err->code() == sl::error_code::invalid_argument);
  }
  // After any error the session still works, with the same plan.
  CHECK(sess.run(z, {{x, a}, {y, a}}) == xt::xtensor<float, 2>{{2, 2}, {2, 2}});
}

TEST_CASE("a session target other than in-process is reported, not ignored") {
  sl::Graph g;
  // TF's wording for a target no session factory accepts.
  CHECK_THROWS_WITH_AS(sl::Session(g, {}, "grpc://localhost:2222"),
                       "No session factory registered for the given session options: "
                       "{target: \"grpc://localhost:2222\"} Registered factories are {DIRECT_SESSION (\"\")}.",
                       sl::unimplemented);
  // "mpi" in a program without the MPI part says how to get it.
  for (const char* target : {"mpi", "mpi://"})
    CHECK_THROWS_WITH_AS(sl::Session(g, {}, target),
                         (std::string("Session target '") + target +
                          "' needs the MPI engine, which this program does not include: #include "
                          "<sessionlib/mpi.hpp> and build with MPI (Meson: -Dmpi=enabled and the sessionlib-mpi "
                          "dependency; CMake: COMPONENTS mpi, target sessionlib::mpi; pkg-config: sessionlib-mpi)")
                             .c_str(),
                         sl::unimplemented);
  sl::Session local(g);
  CHECK(local.sess_str() == "");  // TF's sess.sess_str: the target, "" in process
  CHECK(&local.impl()->engine() != nullptr);
  CHECK(local.impl()->engine().device_names() ==
        std::vector<std::string>{"/job:localhost/replica:0/task:0/device:CPU:0"});
}

TEST_CASE("results are the user's: later runs do not change them") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<2>>(g, "x");
  auto y = x * 2.0f;
  sl::Session sess(g);
  xt::xtensor<float, 1> v1 = {1, 2}, v2 = {5, 6};
  auto r1 = sess.run(y, {{x, v1}});
  auto named = sess.run(std::string(y.name()), {{x, v1}});
  auto r2 = sess.run(y, {{x, v2}});
  CHECK(r1 == xt::xtensor<float, 1>{2, 4});
  CHECK(named.as<float, 1>() == xt::xtensor<float, 1>{2, 4});
  CHECK(r2 == xt::xtensor<float, 1>{10, 12});
}
