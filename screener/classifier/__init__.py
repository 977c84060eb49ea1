"""Classifier: features, model (train/load/predict) and the combined rules + model scorer."""
