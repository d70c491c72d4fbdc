// expect: sessionlib: Variable: T must be float, double, int32, int64, uint8 or bool
#include <sessionlib/sessionlib.hpp>
#include <string>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto name = sl::constant(g, "model");  // string constants and placeholders are fine
  sl::Variable<float, sl::shape<>> ok(g, 1.f, "ok");
  (void)name;
  (void)ok;
#if SESSIONLIB_CF_FAIL
  sl::Variable<std::string, sl::shape<>> bad(g, std::string("x"), "bad");  // string variables (and their checkpoints) are not supported
  (void)bad;
#endif
}
