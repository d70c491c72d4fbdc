// expect: sessionlib: conv2d: the filter's input channels differ from the input's
// expect-one-of: always_false_dims<3, 1> | conv_channels_mismatch<3, 1> | conv_channels_mismatch<3L, 1L>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 28, 28, 3>>(g, "x");
  auto w = sl::placeholder<float, sl::shape<5, 5, 3, 32>>(g, "w");
  auto ok = sl::nn::conv2d(x, w, sl::nn::SAME);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto w1 = sl::placeholder<float, sl::shape<5, 5, 1, 32>>(g, "w1");
  auto bad = sl::nn::conv2d(x, w1, sl::nn::SAME);  // report::conv_channels_mismatch<3, 1>
  (void)bad;
#endif
}
