"""Placeholder: being written."""


class KNNClassifier:
    pass


class KNNRegressor:
    pass
