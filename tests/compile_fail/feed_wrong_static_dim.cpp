// expect: sessionlib: feed: a static dimension of the value differs from the tensor's
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 2>>(g, "x");
  sl::Session sess(g);
  xt::xtensor_fixed<float, xt::xshape<5, 2>> good{};
  (void)sess.run(x, {{x, good}});
#if SESSIONLIB_CF_FAIL
  xt::xtensor_fixed<float, xt::xshape<5, 3>> bad{};
  (void)sess.run(x, {{x, bad}});
#endif
}
