"""Audio preprocessing: MelSpectrogram, STFTSpectrogram."""
