import Foundation

/// The camera images of one episode: per camera, one grey image per episode frame, held in memory
/// until the recorder's writer encodes them as video (`--episodes-video`, docs/episodes.md).
///
/// `add(_:)` is called once per episode frame, so the n-th image of every camera belongs to the
/// n-th frame (LeRobot's rule: a video frame at `frame_index / fps`). A camera without a new
/// image at a frame repeats its last one; a camera first seen at frame k shows its first image for
/// the k frames before; an image whose size differs from the camera's first is replaced by the
/// camera's last one (and counted in `replaced`).
public struct EpisodeCameraImages: Sendable, Equatable {
  /// One image as a caller hands it over.
  public struct Image: Sendable, Equatable {
    /// What the camera watches for this robot ("feeder", "fixture"): the dataset's video key.
    public var role: String
    /// The camera's id ("left_feeder").
    public var camera: String
    public var widthPx: Int
    public var heightPx: Int
    /// `widthPx × heightPx` grey levels, row by row.
    public var gray8: Data

    public init(role: String, camera: String, widthPx: Int, heightPx: Int, gray8: Data) {
      self.role = role
      self.camera = camera
      self.widthPx = widthPx
      self.heightPx = heightPx
      self.gray8 = gray8
    }
  }

  /// One camera's images, one per frame.
  public struct Camera: Sendable, Equatable {
    public var role: String
    public var camera: String
    public var widthPx: Int
    public var heightPx: Int
    public var frames: [Data]
  }

  /// Cameras in the order first seen.
  public private(set) var cameras: [Camera] = []
  /// Frames added so far.
  public private(set) var frameCount = 0
  /// Images dropped for a size that differs from their camera's first.
  public private(set) var replaced = 0

  public init() {}

  /// Adds the images of the next frame.
  public mutating func add(_ images: [Image]) {
    for image in images where image.widthPx > 0 && image.heightPx > 0 {
      guard image.gray8.count == image.widthPx * image.heightPx else {
        replaced += 1
        continue
      }
      if let index = cameras.firstIndex(where: { $0.role == image.role }) {
        guard cameras[index].widthPx == image.widthPx, cameras[index].heightPx == image.heightPx,
          cameras[index].frames.count == frameCount
        else {
          replaced += 1
          continue
        }
        cameras[index].frames.append(image.gray8)
      } else {
        cameras.append(
          Camera(
            role: image.role, camera: image.camera, widthPx: image.widthPx, heightPx: image.heightPx,
            frames: Array(repeating: image.gray8, count: frameCount + 1)))
      }
    }
    frameCount += 1
    for index in cameras.indices where cameras[index].frames.count < frameCount {
      cameras[index].frames.append(cameras[index].frames[cameras[index].frames.count - 1])
    }
  }

  /// Bytes held (the images only).
  public var bytes: Int { cameras.reduce(0) { $0 + $1.frames.count * $1.widthPx * $1.heightPx } }
}

extension Episode {
  /// One camera's video of an episode, beside its JSON file.
  public struct Video: Codable, Sendable, Equatable {
    /// The camera's role ("feeder", "fixture"): the dataset key is `observation.images.<role>`.
    public var role: String
    public var camera: String
    /// The file's name in the episode directory (`<cycle_id>.<role>.mp4`).
    public var file: String
    public var widthPx: Int
    public var heightPx: Int
    /// Video frames: one per episode frame.
    public var frames: Int
    public var fps: Double
    /// The codec (`h264`) and pixel format (`yuv420p`).
    public var codec: String
    public var pixelFormat: String

    public init(
      role: String, camera: String, file: String, widthPx: Int, heightPx: Int, frames: Int, fps: Double,
      codec: String, pixelFormat: String
    ) {
      self.role = role
      self.camera = camera
      self.file = file
      self.widthPx = widthPx
      self.heightPx = heightPx
      self.frames = frames
      self.fps = fps
      self.codec = codec
      self.pixelFormat = pixelFormat
    }

    enum CodingKeys: String, CodingKey {
      case role, camera, file, frames, fps, codec
      case widthPx = "width_px"
      case heightPx = "height_px"
      case pixelFormat = "pixel_format"
    }
  }
}
