// expect: sessionlib: where: the condition must be a bool tensor
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 3>>(g);
  auto ok = sl::where(x > 0.f, x, 0.f);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::where(x, x, 0.f);  // TF: "TypeError: ... condition must be bool"
  (void)bad;
#endif
}
