"""The main screen's widgets. Each one renders state it is given; none does I/O."""
