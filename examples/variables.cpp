// Variables live in each session (DESIGN section 1):
//
//   foo = tf.Variable(42, name="foo"); init = tf.global_variables_initializer()
//   assign = foo.assign(13)
//   sess.run(init); sess.run(assign); sess.run(foo)      # 13
//   sess2.run(foo)      # FailedPreconditionError: Attempting to use uninitialized value foo
//   sess3.run(init); sess3.run(foo)                      # 42
//
// The example checks every value and exits non-zero on a mismatch.
#include <iostream>
#include <string>

#include <sessionlib/ops/state.hpp>
#include <sessionlib/session/session.hpp>

namespace sl = sessionlib;

int main() {
  int failures = 0;
  auto expect = [&](bool ok, const std::string& what) {
    std::cout << (ok ? "ok:   " : "FAIL: ") << what << "\n";
    if (!ok) ++failures;
  };

  sl::Graph g;
  sl::Variable<int, sl::shape<>> foo(g, 42, "foo");  // the value lives in each session
  auto init = sl::global_variables_initializer(g);
  auto assign = foo.assign(13);  // fetching it yields the new value

  sl::Session sess(g);
  sess.run(init);
  expect(sess.run(assign) == 13, "sess.run(assign) == 13");
  expect(sess.run(foo) == 13, "sess.run(foo) == 13");

  sl::Session sess2(g);  // its own values: foo is not initialised here
  try {
    sess2.run(foo);
    expect(false, "sess2.run(foo) throws");
  } catch (const sl::failed_precondition& e) {
    expect(std::string(e.what()) == "Attempting to use uninitialized value foo" && e.node() == "foo",
           std::string("sess2.run(foo): ") + e.what());
  }

  sl::Session sess3(g);
  sess3.run(init);
  expect(sess3.run(foo) == 42, "sess3.run(foo) == 42");
  expect(sess.run(foo) == 13, "sess still reads 13");
  return failures == 0 ? 0 : 1;
}
