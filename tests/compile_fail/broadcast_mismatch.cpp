// expect: sessionlib: broadcast: dimensions are incompatible
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto a = sl::placeholder<float, sl::shape<sl::dyn, 3>>(g);
  auto b = sl::placeholder<float, sl::shape<4, 1>>(g);
  auto ok = a + b;  // (?, 3) and (4, 1) broadcast to (4, 3)
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto c = sl::placeholder<float, sl::shape<2>>(g);
  auto bad = a + c;  // 3 vs 2
  (void)bad;
#endif
}
