// expect: sessionlib: matmul: operands must have rank >= 2
// expect-one-of: always_false_dims<1, 2> | matmul_rank<1, 2>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto w = sl::placeholder<float, sl::shape<3, 4>>(g, "w");
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 3>>(g, "x");
  auto ok = sl::matmul(x, w);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto v = sl::placeholder<float, sl::shape<3>>(g, "v");
  auto bad = sl::matmul(v, w);  // report::matmul_rank<1, 2>: expand_dims the vector to (1, 3)
  (void)bad;
#endif
}
