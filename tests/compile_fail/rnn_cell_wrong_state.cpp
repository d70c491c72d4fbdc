// expect: sessionlib: rnn_cell: the state is not the cell's state type
// expect: LSTMStateTuple
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  sl::nn::rnn_cell::BasicLSTMCell<4, 3> cell(g);
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 3>>(g, "x");
  auto h = sl::placeholder<float, sl::shape<sl::dyn, 4>>(g, "h");
  auto ok = cell(x, sl::nn::rnn_cell::LSTMStateTuple{h, h});
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = cell(x, h);  // an LSTM's state is (c, h), not h alone
  (void)bad;
#endif
}
