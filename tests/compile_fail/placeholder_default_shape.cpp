// expect: sessionlib: placeholder_with_default: the stated shape must be the default's or looser
// expect-one-of: [with Default = sessionlib::shape<2>; Stated = sessionlib::shape<3>] | placeholder_default_shape<sessionlib::shape<2>, sessionlib::shape<3>>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto d = sl::constant(g, {1.f, 2.f});
  (void)sl::placeholder_with_default<sl::shape<sl::dyn>>(d);  // looser: fine
#if SESSIONLIB_CF_FAIL
  (void)sl::placeholder_with_default<sl::shape<3>>(d);  // a shape (2,) default cannot be (3,)
#endif
}
