"""The ways a person starts xlkpi: the command line (`cli`, in Chinese with click's own
texts translated by `clitexts`) and the Excel add-in's buttons
(`actions`: what each button does, as plain functions on paths; `glue`: what xlwings' RunPython
calls when a button is clicked).

May import: every part.
"""
