// expect: sessionlib: operands have different dtypes
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto f = sl::constant(g, 1.0f);
  auto d = sl::constant(g, 1.0);
  auto ok = f * 2.0;  // a scalar converts to the tensor's dtype, as in TF
  (void)ok;
  (void)d;
#if SESSIONLIB_CF_FAIL
  auto bad = f * d;  // float32 * float64 is TF's TypeError
  (void)bad;
#endif
}
