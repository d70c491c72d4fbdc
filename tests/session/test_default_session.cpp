// The default session (per thread, nestable), eval and run, and list_devices.
#include <thread>

#include "session_test.hpp"

TEST_CASE("as_default: eval and run in the innermost default session") {
  sl::Graph g;
  auto a = sl::constant(g, 5.0f), b = sl::constant(g, 6.0f);
  auto c = a * b;
  auto p = sl::placeholder<int, sl::shape<2>>(g, "p");
  auto p2 = p + p;
  sl::Variable<int, sl::shape<>> v(g, 3, "v");
  auto bump = v.assign_add(1).op();
  sl::Session s1(g), s2(g);
  CHECK_THROWS_WITH_AS(c.eval(),
                       "Cannot evaluate tensor using `eval()`: No default session is registered. Use `auto scope = "
                       "sess.as_default()` or pass the tensor to `sess.run()`",
                       sl::invalid_argument);
  CHECK_THROWS_WITH_AS(bump.run(),
                       "Cannot execute operation using `run()`: No default session is registered. Use `auto scope = "
                       "sess.as_default()` or pass the operation to `sess.run()`",
                       sl::invalid_argument);
  CHECK_FALSE(sl::get_default_session().has_value());
  {
    auto scope = s1.as_default();
    float cv = c.eval();
    CHECK(cv == 30.0f);
    CHECK(p2.eval({{p, xt::xtensor<int, 1>{1, 2}}}) == xt::xtensor<int, 1>{2, 4});
    v.initializer().run();
    bump.run();
    CHECK(v.eval() == 4);
    {
      auto inner = s2.as_default();
      CHECK_THROWS_WITH_AS(v.eval(), "Attempting to use uninitialized value v", sl::failed_precondition);
      v.initializer().run();
      CHECK(v.eval() == 3);
    }
    CHECK(v.eval() == 4);  // s1 again
    CHECK(sl::get_default_session().has_value());
    // Each thread has its own stack.
    bool other_thread_has_none = false;
    std::thread([&] { other_thread_has_none = !sl::get_default_session().has_value(); }).join();
    CHECK(other_thread_has_none);
  }
  CHECK_THROWS_AS(c.eval(), sl::invalid_argument);

  sl::Graph h;
  auto d = sl::constant(h, 1.0);
  auto scope = s1.as_default();
  CHECK_THROWS_WITH_AS(d.eval(),
                       "Cannot use the default session to evaluate tensor: the tensor's graph is different from the "
                       "session's graph.",
                       sl::invalid_argument);
}

TEST_CASE("list_devices: the CPU with the machine's memory") {
  sl::Graph g;
  sl::Session s(g);
  auto devs = s.list_devices();
  REQUIRE(devs.size() == 1);
  CHECK(devs[0].name == "/job:localhost/replica:0/task:0/device:CPU:0");
  CHECK(devs[0].device_type == "CPU");
  CHECK(devs[0].memory_limit_bytes == sl::physical_memory_bytes());
  CHECK(devs[0].memory_limit_bytes > (std::int64_t{1} << 28));
  s.close();
  CHECK_THROWS_AS(s.list_devices(), sl::session_closed);
}
