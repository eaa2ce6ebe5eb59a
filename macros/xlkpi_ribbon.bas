Attribute VB_Name = "xlkpi_ribbon"
'The buttons of the xlkpi tab. Each one's tag names an action of xlkpi.app.glue,
'which xlwings' RunPython runs in Python.
Option Explicit

Public Function XlkpiCommand(action As String) As String
    XlkpiCommand = "import xlkpi.app.glue as glue; glue.run('" & action & "')"
End Function

Public Sub XlkpiButton(control As Object)
    'RunPython needs an active workbook: with none open, start from a new one
    If ActiveWorkbook Is Nothing Then Workbooks.Add
    RunPython XlkpiCommand(control.Tag)
End Sub
