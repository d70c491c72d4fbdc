// expect: sessionlib: bias_add: the bias length differs from the last dimension
// expect-one-of: always_false_dims<10, 5> | bias_add_mismatch<10, 5>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 10>>(g, "x");
  auto b = sl::placeholder<float, sl::shape<10>>(g, "b");
  auto ok = sl::nn::bias_add(x, b);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto b5 = sl::placeholder<float, sl::shape<5>>(g, "b5");
  auto bad = sl::nn::bias_add(x, b5);  // report::bias_add_mismatch<10, 5>
  (void)bad;
#endif
}
