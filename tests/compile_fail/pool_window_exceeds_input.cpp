// expect: sessionlib: VALID padding: the window is larger than the input
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 4, 4, 8>>(g, "x");
  auto ok = sl::nn::max_pool<5>(x, sl::nn::SAME);  // SAME pads: any window fits
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::nn::max_pool<5>(x, sl::nn::VALID);  // report::window_exceeds_input<5, 4>
  (void)bad;
#endif
}
