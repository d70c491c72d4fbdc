// expect: sessionlib: MultiRNNCell: a layer's input width differs from the previous layer's units
// expect-one-of: PreviousUnits = 4 | multi_rnn_cell_widths<1
// expect-one-of: InputWidth = 5 | 4L, 5L>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  sl::nn::rnn_cell::BasicLSTMCell<4, 3> lower(g);
  sl::nn::rnn_cell::GRUCell<2, 4> upper(g);
  sl::nn::rnn_cell::MultiRNNCell ok{lower, upper};
  (void)ok;
#if SESSIONLIB_CF_FAIL
  sl::nn::rnn_cell::GRUCell<2, 5> wide(g);  // takes width 5, but the layer below outputs 4 units
  sl::nn::rnn_cell::MultiRNNCell bad{lower, wide};
  (void)bad;
#endif
}
