// What the session tests use to read an error's message: message_of<E>(f).
#pragma once

#include <string>

namespace session_test {

/// The message of what `f()` throws as E, "(no exception)" if nothing.
template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "(no exception)";
}

}  // namespace session_test
