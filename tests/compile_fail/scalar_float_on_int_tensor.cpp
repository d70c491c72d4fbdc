// expect: sessionlib: scalar: the C++ scalar does not convert to the tensor's dtype without loss
// expect-first: sessionlib: scalar: the C++ scalar does not convert
// expect-one-of: TensorT = int; ScalarT = double | scalar_dtype_mismatch<int, double>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto k = sl::constant(g, {10, 20});
  auto f = sl::constant(g, {1.5f, 2.5f});
  auto ints = k * 2 + std::int64_t{3};  // an integer mixes with any numeric dtype (its value must fit)
  auto floats = f * 2 + f * 0.5;        // and a double with float, as TF converts a Python float
  (void)ints;
  (void)floats;
#if SESSIONLIB_CF_FAIL
  auto half = k * 0.5;  // TF raises TypeError; static_cast would multiply by 0
  (void)half;
#endif
}
