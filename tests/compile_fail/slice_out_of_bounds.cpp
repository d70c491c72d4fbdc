// expect: sessionlib: slice: begin/size exceed the static dimension
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<3, 4>>(g);
  auto ok = sl::slice<sl::offsets<1, 0>, sl::sizes<2, -1>>(x);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::slice<sl::offsets<1, 0>, sl::sizes<3, -1>>(x);  // report::slice_out_of_bounds<0, 1, 3, 3>
  (void)bad;
#endif
}
