// expect: sessionlib: scalar: the C++ scalar does not convert to the tensor's dtype without loss
// expect-first: sessionlib: scalar: the C++ scalar does not convert
// expect-one-of: TensorT = bool; ScalarT = int | scalar_dtype_mismatch<bool, int>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto b = sl::constant(g, {true, false});
  auto ok = sl::logical_or(b, true);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::logical_or(b, 1);  // bool tensors take bool scalars only
  (void)bad;
#endif
}
