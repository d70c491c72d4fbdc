// expect: sessionlib: conv/pool: ksize and strides must be >= 1
// expect-one-of: always_false_dims<2, 2, 0, 2> | window_not_positive<2, 2, 0, 2>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 4, 4, 8>>(g, "x");
  auto ok = sl::nn::max_pool<2, 2, 1>(x, sl::nn::SAME);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::nn::max_pool<2, 2, 0>(x, sl::nn::SAME);  // report::window_not_positive<2, 2, 0, 2>: a stride of 0
  (void)bad;
#endif
}
