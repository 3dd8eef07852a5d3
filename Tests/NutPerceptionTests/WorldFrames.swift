import CellWorld
import NutPerception

/// Builds NutPerception's plain inputs from CellWorld's values (the tests' only bridge: the
/// library never imports the simulator).
enum WorldFrames {
  /// The nut as perception knows it, from the world's nut model.
  static func geometry(_ nut: NutModel) -> NutGeometry {
    NutGeometry(
      splineTeeth: nut.splineTeeth, outerRadiusMm: nut.outerRadiusM * 1000,
      splineMinorRadiusMm: nut.splineMinorRadiusM * 1000, splineMajorRadiusMm: nut.splineMajorRadiusM * 1000,
      heightMm: nut.heightM * 1000)
  }

  /// A camera model whose output frame is the world.
  static func camera(_ view: CameraView) -> CameraModel {
    CameraModel(
      fxPx: view.fxPx, fyPx: view.fyPx, cxPx: view.cxPx, cyPx: view.cyPx,
      opticalToFrame: RigidTransform(
        xAxis: view.rotation.x, yAxis: view.rotation.y, zAxis: view.rotation.z, translationM: view.positionM),
      frameName: "world")
  }

  /// The latest frame of camera `index`.
  static func image(_ world: CellWorld, camera index: Int) throws -> GrayImage {
    try GrayImage(widthPx: CameraView.widthPx, heightPx: CameraView.heightPx, pixels: world.cameraPixels(index))
  }

  /// A finger's latest pressure image.
  static func tactile(_ world: CellWorld, robot: Int, finger: Int) throws -> TactileFrame {
    try TactileFrame(
      rows: TactileArray.rows, cols: TactileArray.cols, pitchMm: TactileArray.pitchMm,
      pressuresKPa: world.tactilePressureKPa(robot: robot, finger: finger).map(Double.init))
  }

  /// Steps until camera `index` has a new frame.
  static func stepToNextFrame(_ world: inout CellWorld, camera index: Int) {
    let sequence = world.cameraSequence(index)
    while world.cameraSequence(index) == sequence { world.step() }
  }
}
