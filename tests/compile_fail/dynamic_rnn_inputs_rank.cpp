// expect: sessionlib: dynamic_rnn: inputs must be a 3-D tensor [batch, time, width]
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  sl::nn::rnn_cell::GRUCell<4, 3> cell(g);
  auto seq = sl::placeholder<float, sl::shape<sl::dyn, 7, 3>>(g, "seq");
  auto ok = sl::nn::dynamic_rnn(cell, seq);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 3>>(g, "x");
  auto bad = sl::nn::dynamic_rnn(cell, x);  // one step: call the cell, or reshape to [batch, 1, 3]
  (void)bad;
#endif
}
