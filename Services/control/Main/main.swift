import ControlService
import WorkcellRuntime

await ServiceCommand<ControlService>.start()
