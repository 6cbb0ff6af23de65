"""Recurrent layers: RNN, the cells, SimpleRNN / LSTM / GRU, ConvLSTM, StackedRNNCells and the
Bidirectional / TimeDistributed wrappers."""
