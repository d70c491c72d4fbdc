// expect: sessionlib: nn: this op needs float or double
// expect-one-of: always_false<int>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto y = sl::placeholder<float, sl::shape<3>>(g, "y");
  auto ok = sl::nn::relu6(y);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto x = sl::placeholder<std::int32_t, sl::shape<3>>(g, "x");
  auto bad = sl::nn::relu6(x);  // report::nn_not_floating<int>: cast to a float type first
  (void)bad;
#endif
}
