"""Recurrent layers: SimpleRNN, LSTM, GRU (fused sequence ops), ConvLSTM2D, their cells and the generic RNN."""

from engine.layers.recurrent.conv_lstm2d import ConvLSTM2D
from engine.layers.recurrent.conv_lstm2d_cell import ConvLSTM2DCell
from engine.layers.recurrent.gru import GRU
from engine.layers.recurrent.gru_cell import GRUCell
from engine.layers.recurrent.lstm import LSTM
from engine.layers.recurrent.lstm_cell import LSTMCell
from engine.layers.recurrent.rnn import RNN
from engine.layers.recurrent.simple_rnn import SimpleRNN
from engine.layers.recurrent.simple_rnn_cell import SimpleRNNCell
from engine.layers.recurrent.stacked_rnn_cells import StackedRNNCells

__all__ = [
    "ConvLSTM2D",
    "ConvLSTM2DCell",
    "GRU",
    "GRUCell",
    "LSTM",
    "LSTMCell",
    "RNN",
    "SimpleRNN",
    "SimpleRNNCell",
    "StackedRNNCells",
]
