// expect: sessionlib: this op takes bool tensors only
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<int, sl::shape<3>>(g);
  auto ok = sl::logical_and(x > 0, x < 5);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::logical_and(x, x);  // int32 operands
  (void)bad;
#endif
}
