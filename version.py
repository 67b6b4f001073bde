"""Program name and version, shown in 关于 and written into every exported file."""

APP_NAME = "永川区节能减排统计填报客户端"
APP_NAME_EN = "Yongchuan energy-saving statistics client"
VERSION = "0.1.0"
