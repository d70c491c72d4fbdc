// expect: sessionlib: gradients: x must be a float or double tensor
// expect-one-of: T = int | gradient_not_floating<int>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<3>>(g, "x");
  auto i = sl::placeholder<std::int32_t, sl::shape<3>>(g, "i");
  auto y = x * sl::cast<float>(i);
  auto ok = sl::gradients(y, x);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::gradients(y, i);  // report::gradient_not_floating<int>: TF would return None
  (void)bad;
#endif
}
