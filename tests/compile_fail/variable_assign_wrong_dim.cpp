// expect: sessionlib: assign: a static dimension of the value differs from the variable's
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  sl::Variable<float, sl::shape<3>> v(g, 0.0f, "v");
  auto ok = sl::placeholder<float, sl::shape<3>>(g, "ok");
  (void)v.assign_add(ok);
#if SESSIONLIB_CF_FAIL
  auto bad = sl::placeholder<float, sl::shape<4>>(g, "bad");
  (void)v.assign_add(bad);
#endif
}
