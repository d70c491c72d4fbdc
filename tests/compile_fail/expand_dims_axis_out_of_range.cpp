// expect: sessionlib: axis is out of range for the tensor's rank
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<2, 3>>(g);
  auto ok = sl::expand_dims<-3>(x);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::expand_dims<3>(x);  // report::axis_out_of_range<3, 3>
  (void)bad;
#endif
}
