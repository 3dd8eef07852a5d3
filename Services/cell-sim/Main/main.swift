import CellSimService
import WorkcellRuntime

await ServiceCommand<CellSimService>.start()
