import PlcBridgeService
import WorkcellRuntime

await ServiceCommand<PlcBridgeService>.start()
